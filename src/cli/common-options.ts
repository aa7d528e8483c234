/**
 * Flags shared by the workflow commands, named as in Temporal's CLI, and their parsing.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { Client } from '../client/client.js';
import { Connection, DEFAULT_ADDRESS } from '../client/connection.js';
import { msFromDuration } from '../common/duration.js';
import { UsageError } from './errors.js';
import { type OutputFormat, toJsonDocument } from './output.js';

/** What every workflow command receives from the shared flags. */
export interface GlobalOptions {
  address: string;
  namespace: string;
  output: OutputFormat;
}

/** Adds `--address`, `--namespace/-n` and `--output/-o`. */
export function addGlobalOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--address <host:port>', 'Strata server address')
        .env('STRATA_ADDRESS')
        .default(DEFAULT_ADDRESS),
    )
    .addOption(
      new Option('-n, --namespace <namespace>', 'namespace of the workflows')
        .env('STRATA_NAMESPACE')
        .default('default'),
    )
    .addOption(
      new Option('-o, --output <format>', 'table for people, json for scripts')
        .choices(['table', 'json'])
        .default('table'),
    );
}

/** Adds `--workflow-id/-w` (required) and `--run-id/-r`. */
export function addExecutionOptions(command: Command): Command {
  return command
    .requiredOption('-w, --workflow-id <id>', 'workflow id')
    .option('-r, --run-id <id>', 'run id (default: the latest run)');
}

/** Adds the repeatable `--input/-i`: one JSON value per workflow, signal or query argument. */
export function addInputOption(command: Command): Command {
  return command.option(
    '-i, --input <json>',
    'argument as JSON, e.g. \'"Ada"\' or \'{"id":1}\'; repeat for several arguments',
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  );
}

/** Parses each `--input` as JSON; bad JSON is a usage error naming the value. */
export function parseInputs(inputs: readonly string[] | undefined): unknown[] {
  return (inputs ?? []).map((text) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new UsageError(
        `invalid JSON in --input: ${reason} (value: ${text}). Strings need JSON quotes: --input '"Ada"'`,
      );
    }
  });
}

/** Commander parser for positive integers such as `--limit`. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** Runs a value parser for commander: its error (a message with the fix) becomes a usage error. */
export function asOption<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

/** Commander parser for durations (`'30s'`, `'1 day'`, ms): bad values fail before any server call. */
export function parseDurationMs(value: string): number {
  return asOption(() => msFromDuration(value));
}

/** Connects, runs `fn` with a client, and always closes the connection. */
export async function withClient<R>(options: GlobalOptions, fn: (client: Client) => Promise<R>): Promise<R> {
  const connection = await Connection.connect({ address: options.address });
  try {
    return await fn(
      new Client({ connection, namespace: options.namespace, identity: `strata-cli@${process.pid}` }),
    );
  } finally {
    connection.close();
  }
}

/** Prints `json` as one document with `-o json`, else the text. */
export function output(flags: GlobalOptions, json: unknown, text: string): void {
  print(flags.output === 'json' ? toJsonDocument(json) : text);
}

/** Writes one block of output, ending with a newline. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
