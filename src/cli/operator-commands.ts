/**
 * `strata operator search-attribute create | list | remove`: the namespace's custom search attributes,
 * with the flags of `temporal operator search-attribute ...`.
 */
import type { Command } from 'commander';
import { toClientError } from '../client/errors.js';
import {
  SEARCH_ATTRIBUTE_TYPE_NAMES,
  searchAttributeTypeName,
  searchAttributeTypeOf,
} from '../common/search-attributes.js';
import { fromIndexedValueType, toIndexedValueType } from '../common/search-attributes-proto.js';
import type { IndexedValueType } from '../gen/strata/v1/common_pb.js';
import { addGlobalOptions, type GlobalOptions, print, withClient } from './common-options.js';
import { askYesNo } from './confirm.js';
import { UsageError } from './errors.js';
import { formatTable, toJsonDocument } from './output.js';

interface CreateFlags extends GlobalOptions {
  name: string[];
  type: string[];
}

interface RemoveFlags extends GlobalOptions {
  name: string[];
  yes?: boolean;
}

/** RPC errors become the client's typed errors, which the CLI reports with their exit codes. */
function rethrow(err: unknown): never {
  throw toClientError(err);
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
const typeList = SEARCH_ATTRIBUTE_TYPE_NAMES.join(', ');

/** `--name A --type Keyword --name B --type Int` as { A: KEYWORD, B: INT }, checked before any call. */
function definitions(flags: CreateFlags): Record<string, IndexedValueType> {
  if (flags.name.length !== flags.type.length) {
    throw new UsageError(
      `give one --type per --name (got ${flags.name.length} names and ${flags.type.length} types), e.g. --name CustomerId --type Keyword`,
    );
  }
  return Object.fromEntries(
    flags.name.map((name, index) => {
      const text = flags.type[index] ?? '';
      const type = searchAttributeTypeOf(text);
      if (type === undefined)
        throw new UsageError(`--type "${text}" for ${name} is not a type; use one of ${typeList}`);
      return [name, toIndexedValueType(searchAttributeTypeName(type))];
    }),
  );
}

async function confirmed(flags: RemoveFlags): Promise<boolean> {
  if (flags.yes) return true;
  if (!process.stdin.isTTY) {
    throw new UsageError('removing search attributes needs confirmation: pass --yes');
  }
  return askYesNo(
    `Remove search attribute(s) ${flags.name.join(', ')} from namespace "${flags.namespace}"? Queries on them will fail.`,
  );
}

export function registerOperatorCommands(program: Command): void {
  const operator = program.command('operator').description('Manage namespace-wide settings');
  const searchAttribute = operator
    .command('search-attribute')
    .description('Custom search attributes: the typed values list and count queries filter on');

  addGlobalOptions(
    searchAttribute
      .command('create')
      .description(`Register custom search attributes (types: ${typeList})`)
      .requiredOption('--name <name>', 'attribute name; repeat with one --type each', collect)
      .requiredOption('--type <type>', `attribute type: ${typeList}`, collect),
  ).action((flags: CreateFlags) => {
    const searchAttributes = definitions(flags);
    return withClient(flags, async (client) => {
      await client.connection.operatorService
        .addSearchAttributes({ namespace: flags.namespace, searchAttributes })
        .catch(rethrow);
      const added = Object.entries(searchAttributes).map(([name, type]) => ({
        name,
        type: fromIndexedValueType(type),
      }));
      print(
        flags.output === 'json'
          ? toJsonDocument({ namespace: flags.namespace, added })
          : `Search attributes created in namespace "${flags.namespace}": ${added.map((a) => `${a.name} (${a.type})`).join(', ')}`,
      );
    });
  });

  addGlobalOptions(
    searchAttribute
      .command('list')
      .description('List the search attributes of the namespace, custom and system'),
  ).action((flags: GlobalOptions) =>
    withClient(flags, async (client) => {
      const response = await client.connection.operatorService
        .listSearchAttributes({ namespace: flags.namespace })
        .catch(rethrow);
      const rows = [
        ...Object.entries(response.customAttributes).map(([name, type]) => ({ name, type, kind: 'custom' })),
        ...Object.entries(response.systemAttributes).map(([name, type]) => ({ name, type, kind: 'system' })),
      ].map((row) => ({ ...row, type: fromIndexedValueType(row.type) ?? 'unknown' }));
      print(
        flags.output === 'json'
          ? toJsonDocument(rows)
          : formatTable(
              [
                { header: 'Name', value: (row) => row.name },
                { header: 'Type', value: (row) => row.type },
                { header: 'Kind', value: (row) => row.kind },
              ],
              rows,
            ),
      );
    }),
  );

  addGlobalOptions(
    searchAttribute
      .command('remove')
      .description('Unregister custom search attributes; their indexed values go with them')
      .requiredOption('--name <name>', 'attribute name; repeatable', collect)
      .option('-y, --yes', 'do not ask for confirmation'),
  ).action(async (flags: RemoveFlags) => {
    if (!(await confirmed(flags))) {
      print('Nothing removed.');
      return;
    }
    await withClient(flags, async (client) => {
      await client.connection.operatorService
        .removeSearchAttributes({ namespace: flags.namespace, searchAttributes: flags.name })
        .catch(rethrow);
      print(
        flags.output === 'json'
          ? toJsonDocument({ namespace: flags.namespace, removed: flags.name })
          : `Search attributes removed from namespace "${flags.namespace}": ${flags.name.join(', ')}`,
      );
    });
  });
}
