// The mock's controls: the clock (freeze, run, advance, rate), the simulated agent's default profile, fault rules
// (added from the presets, removed) and the reset. Each button is one call of the documented /_mock API.
import type { Meta } from '../../model.js';
import { api, type FaultRule, RequestFailed } from '../api.js';
import { field, h, hideToast, options, syncRows, toast } from '../dom.js';
import { time } from '../format.js';
import type { Live, View } from '../live.js';

const ADVANCES: readonly [string, number][] = [
  ['1 minute', 60_000],
  ['10 minutes', 600_000],
  ['1 hour', 3_600_000],
  ['6 hours', 21_600_000],
  ['1 day', 86_400_000],
];

function describeRule(rule: FaultRule): string {
  const on = [
    rule.operation ?? 'any operation',
    rule.method,
    rule.path,
    rule.task_id ? `task ${rule.task_id}` : undefined,
    rule.resource_id ? `resource ${rule.resource_id}` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const when =
    rule.first !== undefined
      ? `first ${rule.first}`
      : rule.every_nth !== undefined
        ? `every ${rule.every_nth}th`
        : rule.probability !== undefined
          ? `p=${rule.probability}`
          : 'always';
  const effect = rule.effect.preset ?? (rule.effect.status !== undefined ? String(rule.effect.status) : '');
  const latency = rule.effect.latency_ms !== undefined ? ` ${rule.effect.latency_ms} ms` : '';
  return `${on}, ${when}: ${rule.effect.type}${effect ? ` ${effect}` : ''}${latency}`;
}

export function controlsView(meta: Meta, live: Live): View {
  const run = async (what: () => Promise<unknown>): Promise<void> => {
    try {
      await what();
      hideToast();
    } catch (error) {
      toast(error instanceof RequestFailed ? error.message : String(error));
    }
  };

  // The clock
  const clockState = h('p', { class: 'clock-state', 'aria-live': 'polite' });
  const freeze = h('button', { type: 'button', onclick: () => run(() => api.setClock({ frozen: true })) }, 'Freeze');
  const resume = h('button', { type: 'button', onclick: () => run(() => api.setClock({ frozen: false })) }, 'Run');
  const advance = h(
    'select',
    { name: 'advance' },
    ...ADVANCES.map(([label, ms]) => h('option', { value: String(ms) }, label)),
  );
  const rate = h('input', { type: 'number', name: 'rate', min: '0.001', max: '1000000', step: 'any', value: '1' });
  let rateEdited = false;
  rate.addEventListener('input', () => {
    rateEdited = true;
  });
  const clockPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'clock-title' },
    h('h2', { id: 'clock-title' }, 'Clock'),
    clockState,
    h('div', { class: 'row' }, freeze, resume),
    h(
      'div',
      { class: 'row' },
      field('Advance by', advance),
      h(
        'button',
        { type: 'button', onclick: () => run(() => api.setClock({ advance_ms: Number(advance.value) })) },
        'Advance',
      ),
    ),
    h(
      'div',
      { class: 'row' },
      field('Rate', rate, '60: a minute a second'),
      h(
        'button',
        {
          type: 'button',
          onclick: () =>
            run(async () => {
              await api.setClock({ rate: Number(rate.value) });
              rateEdited = false;
            }),
        },
        'Set rate',
      ),
    ),
  );

  // The simulated agent's default profile
  const profile = h('select', { name: 'default-profile' }, ...options(meta.simulation_profiles));
  const profileNote = h('p', { class: 'muted' });
  const simulationPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'simulation-title' },
    h('h2', { id: 'simulation-title' }, 'Simulated agent'),
    profileNote,
    h(
      'div',
      { class: 'row' },
      field('Default profile', profile),
      h(
        'button',
        { type: 'button', onclick: () => run(() => api.setSimulation(profile.value).then(() => refresh())) },
        'Apply',
      ),
    ),
  );

  // Fault rules
  const preset = h('select', { name: 'preset' }, ...options(meta.fault_presets));
  const effect = h('select', { name: 'effect' }, ...options(meta.fault_effects, 'error'));
  const operation = h('select', { name: 'operation' }, ...options(meta.operations, undefined, 'Any operation'));
  const taskId = h('input', { type: 'text', name: 'task_id', placeholder: 'any task' });
  const mode = h('select', { name: 'mode' }, ...options(['always', 'first', 'every_nth', 'probability'], 'always'));
  const amount = h('input', { type: 'number', name: 'amount', min: '0', step: 'any', value: '1', required: true });
  const latency = h('input', { type: 'number', name: 'latency_ms', min: '0', max: '120000', placeholder: 'none' });
  const rulesBody = h('tbody');
  const addRule = (): Promise<void> =>
    run(async () => {
      // A delay applies to every effect (the latency effect needs one); the preset only to an error.
      const delay = latency.value === '' ? {} : { latency_ms: Number(latency.value) };
      const rule: Record<string, unknown> = {
        effect:
          effect.value === 'error'
            ? { type: 'error', preset: preset.value, ...delay }
            : { type: effect.value, ...delay },
      };
      if (operation.value) rule.operation = operation.value;
      if (taskId.value.trim()) rule.task_id = taskId.value.trim();
      if (mode.value !== 'always') rule[mode.value] = Number(amount.value);
      await api.addFault(rule);
    });
  const presetField = field('Error preset', preset);
  const amountField = field('N or probability', amount, 'first N, every Nth, or 0 to 1');
  const latencyField = field('Delay (ms)', latency, 'before the effect; needed for latency');
  const shape = (): void => {
    presetField.hidden = effect.value !== 'error';
    amountField.hidden = mode.value === 'always';
    amount.disabled = mode.value === 'always';
  };
  effect.addEventListener('change', shape);
  mode.addEventListener('change', shape);
  shape();
  const faultsPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'faults-title' },
    h('h2', { id: 'faults-title' }, 'Fault rules'),
    h(
      'form',
      {
        class: 'filters',
        'aria-label': 'Add a fault rule',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void addRule();
        },
      },
      field('Effect', effect),
      presetField,
      latencyField,
      field('Operation', operation),
      field('Task id', taskId),
      field('When', mode),
      amountField,
      h('button', { type: 'submit' }, 'Add rule'),
    ),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'faults' },
        h('caption', { class: 'visually-hidden' }, 'Fault rules in force, in the order they are tried'),
        h(
          'thead',
          {},
          h('tr', {}, ...['Rule', 'Matches', 'Matched', 'Fired', ''].map((title) => h('th', { scope: 'col' }, title))),
        ),
        rulesBody,
      ),
    ),
  );

  const resetPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'reset-title' },
    h('h2', { id: 'reset-title' }, 'Reset'),
    h('p', {}, 'Back to the state at start: tasks and sources (the seed put back), journal, fault rules and clock.'),
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: () => {
          if (window.confirm('Reset the mock? Every task, source server, journal entry and fault rule goes.'))
            void run(() => api.reset());
        },
      },
      'Reset the mock',
    ),
  );

  const element = h(
    'section',
    { 'aria-labelledby': 'controls-title' },
    h('h1', { id: 'controls-title' }, 'Controls'),
    h('div', { class: 'columns' }, clockPanel, simulationPanel),
    faultsPanel,
    resetPanel,
  );

  const showClock = (): void => {
    const clock = live.clock;
    if (clock === undefined) return;
    clockState.textContent = `${time(live.now())} UTC, ${clock.frozen ? 'frozen' : 'running'}, rate ${clock.rate}`;
    // What the reader typed stays until it is set: a live update does not overwrite it.
    if (!rateEdited && document.activeElement !== rate) rate.value = String(clock.rate);
  };

  const refresh = async (): Promise<void> => {
    const [clock, faults, simulation] = await Promise.all([api.clock(), api.faults(), api.simulation()]);
    live.setClock(clock);
    showClock();
    if (document.activeElement !== profile) profile.value = simulation.default.profile;
    profileNote.textContent = `Tasks without a profile of their own migrate under "${simulation.default.profile}".`;
    syncRows(
      rulesBody,
      faults.faults.length === 0
        ? [
            {
              key: 'none',
              wide: true,
              cells: [h('span', { class: 'muted' }, 'No fault rule: every request is answered normally.')],
            },
          ]
        : faults.faults.map((rule) => ({
            key: rule.id,
            attributes: { 'data-rule': rule.id },
            cells: [
              rule.id,
              describeRule(rule),
              String(rule.matched),
              String(rule.fired),
              h(
                'button',
                {
                  type: 'button',
                  'aria-label': `Remove ${rule.id}`,
                  onclick: () => run(() => api.removeFault(rule.id)),
                },
                'Remove',
              ),
            ],
          })),
    );
  };

  return { title: 'Controls', element, topics: ['clock', 'faults', 'journal', 'store'], refresh };
}
