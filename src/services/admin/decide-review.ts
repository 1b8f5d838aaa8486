import type { Handler } from '../../../generated/handlers.js';
import { InvalidParamError, ReviewNotFoundError } from '../../domain/errors.js';
import type { OpenedWallet } from '../../domain/wallet/wallets.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const decideReview =
  ({ reviews, sessions, wallets, unlockTimeoutSeconds }: ServiceDeps): Handler<'admin.decide_review', RequestContext> =>
  async ({ id, approved, wallet, passphrase, keys, reviewer }) => {
    const review = reviews.find(id);
    if (!review) throw new ReviewNotFoundError(id);
    let opened: OpenedWallet | undefined;
    if (approved) {
      if (review.kind === 'connection' && wallet === undefined) {
        throw new InvalidParamError('/wallet', 'required', 'approving a connection needs the wallet to connect');
      }
      const target = review.kind === 'connection' ? wallet : review.wallet;
      if (target) {
        // Checks the wallet exists and holds every key of the restriction, before anything changes.
        await sessions.checkKeys(target, keys);
        if (passphrase !== undefined) opened = await wallets.openForUnlock(target, passphrase);
      }
    }
    // The review may have ended (timeout, the caller gone) during the checks and the passphrase's
    // key derivation: then nothing changes, the wallet stays locked. From here on nothing waits,
    // so the wallet unlocks together with the decision.
    if (!reviews.find(id)) {
      opened?.discard();
      throw new ReviewNotFoundError(id);
    }
    opened?.unlock(unlockTimeoutSeconds * 1000);
    reviews.decide(id, approved, { ...(wallet === undefined ? {} : { wallet }), ...(keys === undefined ? {} : { keys }) }, reviewer);
    return {};
  };
