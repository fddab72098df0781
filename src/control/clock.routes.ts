// /_mock/clock: where the mock clock stands; set, advance, freeze or run it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Core } from '../core.js';
import { CLOCK_MAX, CLOCK_MIN } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { ErrorResponse } from '../schemas/index.js';
import { ClockState, ClockUpdate } from './schemas.js';

const tags = ['mock'];

export const clockRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const { clock } = core;

  app.get(
    '/clock',
    {
      schema: {
        operationId: 'MockShowClock',
        summary: 'The time every date the server writes comes from',
        tags,
        response: { 200: ClockState },
      },
    },
    () => clock.state(),
  );

  app.put(
    '/clock',
    {
      schema: {
        operationId: 'MockUpdateClock',
        summary: 'Set, advance, freeze, run or speed up the clock (applied in that order)',
        tags,
        body: ClockUpdate,
        response: { 200: ClockState, 400: ErrorResponse },
      },
    },
    async (request) => {
      const { time, advance_ms, frozen, rate } = request.body;
      const target = (time === undefined ? clock.now() : Date.parse(time)) + (advance_ms ?? 0);
      if (!(target >= CLOCK_MIN && target <= CLOCK_MAX)) {
        throw new ApiError('invalidParameter', 'the clock must stay between 1970-01-01 and 9999-12-31');
      }
      const moved = time !== undefined || advance_ms !== undefined;
      if (moved) clock.set(target);
      // Frozen at the very time asked for: a running clock set and then frozen would stand a moment after it.
      if (frozen === true) clock.freeze(moved ? target : undefined);
      if (frozen === false) clock.run();
      if (rate !== undefined) clock.setRate(rate);
      // A clock moved forward moves the simulated migrations with it before the answer goes out.
      await core.simulation.catchUp();
      return clock.state();
    },
  );
};
