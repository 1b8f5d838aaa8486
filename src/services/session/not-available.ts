import { NotAvailableYetError } from '../../domain/errors.js';

/**
 * The session methods are in the contract (and their params are validated)
 * but connections, permissions and transactions come with later work; until
 * then each answers -32000 saying so.
 */
export const notAvailableYet = (method: string) => async (): Promise<never> => {
  throw new NotAvailableYetError(method);
};
