import type { TestGateway } from './gateway.js';

export interface PendingReview {
  id: string;
  kind: 'connection' | 'permissions' | 'transaction';
  hostname: string;
  wallet: string | null;
  details: Record<string, unknown>;
}

/** The reviews pending now, oldest first, as the operator door lists them. */
export async function pendingReviews(gw: TestGateway): Promise<PendingReview[]> {
  return ((await gw.call('admin.list_reviews')) as { reviews: PendingReview[] }).reviews;
}

/** The audit log, newest first, filtered the way admin.list_audit_events takes it. */
export async function auditEvents(gw: TestGateway, filter: Record<string, unknown> = {}): Promise<any[]> {
  return ((await gw.call('admin.list_audit_events', filter)) as { events: any[] }).events;
}

/** Waits (polling the operator door, as a reviewer would) until a review is pending, and returns the oldest. */
export async function nextReview(gw: TestGateway, timeoutMs = 5000): Promise<PendingReview> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { reviews } = (await gw.call('admin.list_reviews')) as { reviews: PendingReview[] };
    if (reviews[0]) return reviews[0];
    if (Date.now() > deadline) throw new Error('no review became pending');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Connects an application the way it happens for real: it asks, the owner approves on the operator door. */
export async function connectApp(gw: TestGateway, hostname: string, wallet: string, headers: Record<string, string> = {}): Promise<string> {
  const reply = gw.app({ jsonrpc: '2.0', id: 1, method: 'session.connect_wallet', params: { hostname } }, headers);
  const review = await nextReview(gw);
  await gw.call('admin.decide_review', { id: review.id, approved: true, wallet });
  const { body } = await reply;
  if (!body.result) throw new Error(`connection failed: ${JSON.stringify(body.error)}`);
  return body.result.token as string;
}

/** Asks for permissions as the application and approves them as the owner. */
export async function grantPermissions(gw: TestGateway, token: string, publicKeys: 'none' | 'read' | 'write', keys?: string[] | null): Promise<void> {
  const reply = gw.app({ jsonrpc: '2.0', id: 1, method: 'session.request_permissions', params: { token, requestedPermissions: { public_keys: publicKeys } } });
  const review = await nextReview(gw);
  await gw.call('admin.decide_review', { id: review.id, approved: true, ...(keys === undefined ? {} : { keys }) });
  const { body } = await reply;
  if (!body.result) throw new Error(`permissions failed: ${JSON.stringify(body.error)}`);
}
