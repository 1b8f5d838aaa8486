#!/usr/bin/env node
import { UsageError } from './args.js';
import { devnetCommand } from './devnet.js';
import { keyCommand } from './key.js';
import { messageCommand } from './message.js';
import { networkCommand } from './network.js';
import { reviewCommand } from './review.js';
import { serve } from './serve.js';
import { walletCommandGroup } from './wallet.js';

const HELP = `Usage: wallet-gateway <command> [options]

A JSON-RPC gateway between applications and an ed25519 wallet for Vega-style
networks. The wallet's owner stays in control; keys stay encrypted at rest.

Commands:
  serve     start the gateway (application door and operator door)
  wallet    create, import, list, describe, remove, unlock, lock, rename wallets, change passphrases
  key       generate, list, describe, annotate, taint and untaint keys
  message   sign and verify messages
  review    approve or reject applications' requests from this terminal
  network   list, describe, add, update and remove the networks (node URLs) the gateway knows
  devnet    run a local development node (a stand-in for a Vega core node) on its own

Run "wallet-gateway <command> --help" for a command's options.
`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve,
  wallet: walletCommandGroup,
  key: keyCommand,
  message: messageCommand,
  review: reviewCommand,
  network: networkCommand,
  devnet: devnetCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
