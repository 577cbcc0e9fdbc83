// Membership: list (GET /v1/cluster), add a voter or a learner, promote a learner, remove.
// One server at a time; the Raft core refuses a change while another is still pending.

import type Router from '@koa/router';
import { z } from 'zod';
import { CodedError } from './errors.js';
import { answer, readJson, type RouteDeps } from './http-context.js';
import { parseQuery } from './request-text.js';

const url = z.string().min(1).max(512).refine((s) => /^https?:\/\/[^/\s]+$/.test(s), 'must be http://host:port');

const addSchema = z
  .object({
    name: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only'),
    peerUrl: url,
    clientUrl: url,
    learner: z.boolean().optional(),
  })
  .strict();

export function registerMemberRoutes(router: Router, deps: RouteDeps): void {
  const { server } = deps;

  router.get('/v1/members', async (ctx) => {
    parseQuery(ctx.querystring, []);
    answer(ctx, { members: server.cluster().members });
  });

  router.post('/v1/members', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const body = await readJson(ctx, deps.limits, addSchema);
    const id = server.memberIdFor(body.name);
    const existing = server.cluster().members.find((m) => m.id === String(id));
    if (existing && existing.role !== 'learner') throw new CodedError('INVALID_ARGUMENT', `member ${body.name} is already a voter`);
    await server.changeMembership(body.learner ? 'addLearner' : 'add', { id, name: body.name, peerUrl: body.peerUrl, clientUrl: body.clientUrl });
    answer(ctx, { member: { name: body.name, id: String(id), learner: !!body.learner }, members: server.cluster().members });
  });

  router.post('/v1/members/:id/promote', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const m = findMember(server, ctx.params.id);
    if (m.role !== 'learner') throw new CodedError('INVALID_ARGUMENT', `member ${m.name} is not a learner`);
    await server.changeMembership('add', { id: Number(m.id), name: m.name, peerUrl: m.peerUrl, clientUrl: m.clientUrl });
    answer(ctx, { member: { name: m.name, id: m.id }, members: server.cluster().members });
  });

  router.delete('/v1/members/:id', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const m = findMember(server, ctx.params.id);
    await server.changeMembership('remove', { id: Number(m.id), name: m.name, peerUrl: m.peerUrl, clientUrl: m.clientUrl });
    answer(ctx, { removed: { name: m.name, id: m.id }, members: server.cluster().members });
  });
}

function findMember(server: RouteDeps['server'], idOrName: string | undefined) {
  const m = server.cluster().members.find((x) => x.id === idOrName || x.name === idOrName);
  if (!m) throw new CodedError('NOT_FOUND', `no member with id or name "${idOrName}"`);
  return m;
}
