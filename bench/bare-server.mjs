// The ceiling sms-mock is compared with: plain Fastify answering the same three routes, with no schemas, no
// database and no logging. GET sends the task object the mock serves (given by the bench as JSON in BARE_TASK).
import Fastify from 'fastify';

const task = JSON.parse(process.env.BARE_TASK ?? '{}');
const app = Fastify({ logger: false });
app.get('/v3/tasks/:task_id', (_request, reply) => {
  reply.send(task);
});
app.put('/v3/tasks/:task_id', (request, reply) => {
  reply.send({ id: request.params.task_id });
});
app.put('/v3/tasks/:task_id/progress', (_request, reply) => {
  reply.send({});
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.BARE_PORT) });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
