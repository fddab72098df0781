// Every read and every control of the page goes through here: the dashboard's read routes and the mock's documented
// /_mock API, with the same URLs a script would use. A refused request throws the vendor-shaped error it got.
import type { FaultRule, JournalEntry } from '../../control/schemas.js';
import type { Board, ClockState, Meta, Series, SourceRow, TaskView } from '../model.js';

export type { FaultRule, JournalEntry };

export class RequestFailed extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    let code: string | undefined;
    let message = `${response.status} ${response.statusText}`;
    try {
      const error = JSON.parse(text) as { error_code?: string; error_msg?: string };
      code = error.error_code;
      if (error.error_msg) message = `${error.error_code ?? response.status}: ${error.error_msg}`;
    } catch {
      // Not the vendor's shape: the status says it.
    }
    throw new RequestFailed(response.status, code, message);
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

function query(parameters: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const id = encodeURIComponent;

export interface SimulationStatus {
  task_id: string;
  status: string;
  profile: { profile: string; throughput_mbps: number; sample_interval_s: number };
  own_profile: boolean;
  next_sample_at: string | null;
  samples: number;
  failed_at: string | null;
  handed_over_at: string | null;
  error: string | null;
}

export const api = {
  meta: () => call<Meta>('GET', '/_mock/ui/api/meta'),
  board: (filter: { state?: string; name?: string }) => call<Board>('GET', `/_mock/ui/api/board${query(filter)}`),
  task: (taskId: string) => call<TaskView>('GET', `/_mock/ui/api/tasks/${id(taskId)}`),
  series: (taskId: string, range: { from?: number; to?: number; points?: number } = {}) =>
    call<Series>('GET', `/_mock/ui/api/tasks/${id(taskId)}/series${query(range)}`),
  sources: () => call<{ count: number; sources: SourceRow[] }>('GET', '/_mock/ui/api/sources'),

  journal: (filter: Record<string, string | number | undefined>) =>
    call<{ count: number; requests: JournalEntry[] }>('GET', `/_mock/requests${query(filter)}`),
  clearJournal: () => call<void>('DELETE', '/_mock/requests'),

  faults: () => call<{ faults: FaultRule[] }>('GET', '/_mock/faults'),
  addFault: (rule: Record<string, unknown>) => call<FaultRule>('POST', '/_mock/faults', rule),
  removeFault: (ruleId: string) => call<void>('DELETE', `/_mock/faults/${id(ruleId)}`),

  clock: () => call<ClockState>('GET', '/_mock/clock'),
  setClock: (change: { frozen?: boolean; advance_ms?: number; rate?: number; time?: string }) =>
    call<ClockState>('PUT', '/_mock/clock', change),

  simulation: () =>
    call<{ default: { profile: string }; presets: Record<string, { profile: string }> }>('GET', '/_mock/simulation'),
  setSimulation: (profile: string) => call<unknown>('PUT', '/_mock/simulation', { profile }),
  taskSimulation: (taskId: string) => call<SimulationStatus>('GET', `/_mock/tasks/${id(taskId)}/simulation`),
  setTaskSimulation: (taskId: string, profile: string | null) =>
    profile === null
      ? call<SimulationStatus>('DELETE', `/_mock/tasks/${id(taskId)}/simulation`)
      : call<SimulationStatus>('PUT', `/_mock/tasks/${id(taskId)}/simulation`, { profile }),

  action: (taskId: string, operation: string) =>
    call<unknown>('POST', `/_mock/tasks/${id(taskId)}/action`, { operation }),
  reset: () => call<void>('POST', '/_mock/reset'),
};
