// Fault injection: rules that answer a matching request with an error, delay it, drop its connection or close it
// without a reply. Rules are tried oldest first; the first one that fires applies and the request stops there.
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { ApiError, ERRORS, type ErrorDefinition } from '../lib/errors.js';
import { Signal } from '../lib/signal.js';
import { createChecker } from '../lib/validation.js';
import { checkOperation } from './journal.js';
import { type ErrorPreset, type FaultEffect, type FaultRule, FaultRuleInput } from './schemas.js';

// The rule types are the Static types of the schemas POST /_mock/faults validates with and answers in.
export type { ErrorPreset, FaultEffect, FaultEffectType, FaultRule, FaultRuleInput } from './schemas.js';

export interface ErrorPresetDefinition extends ErrorDefinition {
  /** Seconds for the Retry-After header, when the preset sends one. */
  readonly retryAfter?: number;
}

/** The ready-made errors a rule can name instead of spelling out status and body. */
export const ERROR_PRESETS: Record<ErrorPreset, ErrorPresetDefinition> = {
  forbidden: ERRORS.forbidden,
  /** The gateway's flow control. */
  throttled: {
    status: 429,
    code: 'APIGW.0308',
    message: 'The throttling threshold has been reached',
    source: 'APIGW',
    retryAfter: 1,
  },
  internal: ERRORS.internal,
  /** The gateway names backend outages APIGW.0201 "Backend unavailable"; 503 is this preset's choice. */
  unavailable: { status: 503, code: 'APIGW.0201', message: 'Backend unavailable', source: 'APIGW', retryAfter: 5 },
};

export interface FaultRequest {
  readonly operation: string | null;
  readonly method: string;
  readonly path: string;
  /** The path parameter naming the operation's resource (`task_id`, ...), and its value. */
  readonly resource: string | null;
  readonly resourceId: string | null;
}

/** What to do with a request a rule fired on. */
export interface FaultAction {
  readonly rule: FaultRule;
  readonly delayMs: number;
  /** Set for `error`: the status, body and Retry-After to answer with. */
  readonly error?: { readonly definition: ErrorDefinition; readonly message: string; readonly retryAfter?: number };
}

interface CompiledRule {
  readonly rule: FaultRule;
  readonly path: RegExp | undefined;
  readonly method: string | undefined;
  readonly draw: () => number;
  readonly drawInt: (from: number, to: number) => number;
}

function compilePath(pattern: string): RegExp {
  const source = pattern
    .split('/')
    .map((segment) =>
      segment === '*' || /^\{[^/{}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}/?$`);
}

function errorOf(effect: FaultEffect): FaultAction['error'] {
  const preset = effect.preset ? ERROR_PRESETS[effect.preset] : undefined;
  const status = effect.status ?? preset?.status ?? ERRORS.internal.status;
  const fallback = status >= 500 ? ERRORS.internal : ERRORS.badRequest;
  const code = effect.error_code ?? preset?.code ?? fallback.code;
  const definition: ErrorDefinition = {
    status,
    code,
    message: effect.error_msg ?? preset?.message ?? fallback.message,
    source: code.startsWith('APIGW.') ? 'APIGW' : 'SMS',
  };
  const retryAfter = effect.retry_after ?? preset?.retryAfter;
  return { definition, message: definition.message, ...(retryAfter !== undefined ? { retryAfter } : {}) };
}

/**
 * Checks a rule that arrives outside a request (a fault file, `startMock().faults.add`) against the schema
 * `POST /_mock/faults` validates with; answers the first problem as a sentence, or undefined.
 */
export const checkFaultRule = createChecker(FaultRuleInput, 'rule');

/** The rules in force, in the order they were added. */
export class FaultRules {
  #rules: CompiledRule[] = [];
  #nextId = 1;
  readonly #operations: ReadonlySet<string> | undefined;
  /** Raised when a rule is added or removed (not when one matches: the journal's record says that). */
  readonly changed = new Signal();

  /** `operations`: the names a rule may match on (read at each add); any when omitted. */
  constructor(operations?: ReadonlySet<string>) {
    this.#operations = operations;
  }

  get size(): number {
    return this.#rules.length;
  }

  /** Adds a rule (already checked against the FaultRuleInput schema); throws SMS.2001 for a combination that means nothing. */
  add(input: FaultRuleInput): FaultRule {
    checkOperation(input.operation, this.#operations);
    const modes = [input.first, input.every_nth, input.probability].filter((m) => m !== undefined).length;
    if (modes > 1) throw new ApiError('invalidParameter', 'give at most one of first, every_nth and probability');
    if (input.seed !== undefined && input.probability === undefined) {
      throw new ApiError('invalidParameter', 'seed only applies with probability');
    }
    const { effect } = input;
    if (effect.type === 'latency' && effect.latency_ms === undefined) {
      throw new ApiError('invalidParameter', 'a latency effect needs latency_ms');
    }
    if (effect.latency_max_ms !== undefined && (effect.latency_ms ?? 0) > effect.latency_max_ms) {
      throw new ApiError('invalidParameter', 'latency_max_ms must not be below latency_ms');
    }
    const errorFields = ['preset', 'status', 'error_code', 'error_msg', 'retry_after'] as const;
    if (effect.type !== 'error' && errorFields.some((f) => effect[f] !== undefined)) {
      throw new ApiError('invalidParameter', `${errorFields.join(', ')} only apply to an error effect`);
    }
    if (effect.type === 'error' && effect.preset === undefined && effect.status === undefined) {
      throw new ApiError('invalidParameter', 'an error effect needs a preset or a status');
    }
    const rule: FaultRule = { id: `fault-${this.#nextId++}`, ...input, matched: 0, fired: 0 };
    // Without a seed the generator still exists, seeded at random, so latency ranges work the same way.
    const rng = xoroshiro128plus(input.seed ?? Math.floor(Math.random() * 0x7fffffff));
    this.#rules.push({
      rule,
      path: input.path === undefined ? undefined : compilePath(input.path),
      method: input.method?.toUpperCase(),
      draw: () => uniformFloat64(rng),
      drawInt: (from, to) => uniformInt(rng, from, to),
    });
    this.changed.raise();
    return rule;
  }

  list(): FaultRule[] {
    return this.#rules.map((c) => c.rule);
  }

  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((c) => c.rule.id !== id);
    if (this.#rules.length === before) return false;
    this.changed.raise();
    return true;
  }

  clear(): void {
    this.#rules = [];
    this.changed.raise();
  }

  /** Clears the rules and numbers the next one fault-1 again. */
  reset(): void {
    this.clear();
    this.#nextId = 1;
  }

  /** The action for a request, or undefined when no rule fires. Counts matches and firings as it goes. */
  pick(request: FaultRequest): FaultAction | undefined {
    for (const compiled of this.#rules) {
      const { rule } = compiled;
      if (rule.operation !== undefined && rule.operation !== request.operation) continue;
      if (compiled.method !== undefined && compiled.method !== request.method) continue;
      if (rule.resource_id !== undefined && rule.resource_id !== request.resourceId) continue;
      // task_id keeps its meaning once other resources exist: a source_id that happens to equal it does not match.
      if (rule.task_id !== undefined && (request.resource !== 'task_id' || rule.task_id !== request.resourceId)) {
        continue;
      }
      if (compiled.path !== undefined && !compiled.path.test(request.path)) continue;
      rule.matched++;
      const fires =
        rule.first !== undefined
          ? rule.matched <= rule.first
          : rule.every_nth !== undefined
            ? rule.matched % rule.every_nth === 0
            : rule.probability !== undefined
              ? compiled.draw() < rule.probability
              : true;
      if (!fires) continue;
      rule.fired++;
      const { effect } = rule;
      const min = effect.latency_ms ?? 0;
      const delayMs = effect.latency_max_ms === undefined ? min : compiled.drawInt(min, effect.latency_max_ms);
      return effect.type === 'error' ? { rule, delayMs, error: errorOf(effect) } : { rule, delayMs };
    }
    return undefined;
  }
}
