// ShowCertKey: the task's certificates and private keys for the agent. enable_ca_cert left out is false (the SDK
// sends it only when set): self-signed certificates, `ca` null.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../schemas/generated/operations.js';
import { route } from '../operations.js';
import type { CertKeyService } from './certkey.js';

export interface CertKeyRoutesOptions {
  readonly certKeys: CertKeyService;
}

export const certKeyRoutes: FastifyPluginAsyncTypebox<CertKeyRoutesOptions> = async (app, { certKeys }) => {
  app.route({
    ...route(operations.ShowCertKey),
    handler: (request) => certKeys.certKey(request.params.task_id, request.query.enable_ca_cert === true),
  });
};
