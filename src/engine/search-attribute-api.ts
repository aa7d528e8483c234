/** The operator calls on a namespace's custom search attributes: register, unregister, list. */
import { fromIndexedValueType, toIndexedValueType } from '../common/search-attributes-proto.js';
import { IndexedValueType } from '../gen/strata/v1/common_pb.js';
import type {
  AddSearchAttributesRequest,
  ListSearchAttributesRequest,
  ListSearchAttributesResponse,
  RemoveSearchAttributesRequest,
} from '../gen/strata/v1/service_pb.js';
import type { EngineCore } from './engine-core.js';
import { EngineError, invalidArgument } from './errors.js';
import { loadRegistry, SYSTEM_SEARCH_ATTRIBUTES, systemAttributeOf } from './visibility/search-attributes.js';

/** Words of the query language: an attribute named so could not be written in a query. */
const queryWords = new Set([
  'and',
  'or',
  'not',
  'in',
  'between',
  'is',
  'null',
  'order',
  'by',
  'asc',
  'desc',
  'like',
  'starts_with',
]);
const typeNames = Object.keys(IndexedValueType)
  .filter((key) => Number.isNaN(Number(key)) && key !== 'UNSPECIFIED')
  .join(', ');

function checkName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw invalidArgument(
      `search attribute name "${name}" is not valid: use letters, digits and "_", starting with a letter or "_"`,
    );
  }
  const system = systemAttributeOf(name);
  if (system !== undefined) {
    throw invalidArgument(`"${name}" names the system search attribute ${system}; choose another name`);
  }
  if (queryWords.has(name.toLowerCase())) {
    throw invalidArgument(`"${name}" is a word of the query language; choose another name`);
  }
}

export async function addSearchAttributes(
  core: EngineCore,
  request: AddSearchAttributesRequest,
): Promise<void> {
  const namespace = core.checkNamespace(request.namespace);
  const wanted = Object.entries(request.searchAttributes);
  if (wanted.length === 0)
    throw invalidArgument('search_attributes is required: name at least one attribute and its type');
  const added = wanted.map(([name, indexedType]) => {
    checkName(name);
    const type = fromIndexedValueType(indexedType);
    if (type === undefined)
      throw invalidArgument(`search attribute "${name}" needs a type: one of ${typeNames}`);
    return { name, type };
  });
  await core.transact(async (tx) => {
    const registry = await loadRegistry(tx, namespace);
    for (const { name, type } of added) {
      const existing = registry.get(name);
      if (existing === type) continue;
      if (existing !== undefined) {
        throw new EngineError({
          code: 'SEARCH_ATTRIBUTE_EXISTS',
          kind: 'already_exists',
          message: `search attribute "${name}" is already registered in namespace "${namespace}" as ${existing}; remove it first to register it as ${type}`,
        });
      }
      await tx.putSearchAttribute(namespace, { name, type });
    }
  });
}

export async function removeSearchAttributes(
  core: EngineCore,
  request: RemoveSearchAttributesRequest,
): Promise<void> {
  const namespace = core.checkNamespace(request.namespace);
  if (request.searchAttributes.length === 0)
    throw invalidArgument('search_attributes is required: name at least one attribute');
  await core.transact(async (tx) => {
    for (const name of request.searchAttributes) {
      if (!(await tx.deleteSearchAttribute(namespace, name))) {
        throw new EngineError({
          code: 'SEARCH_ATTRIBUTE_NOT_FOUND',
          kind: 'not_found',
          message: `search attribute "${name}" is not registered in namespace "${namespace}"; see strata operator search-attribute list`,
        });
      }
    }
  });
}

export async function listSearchAttributes(
  core: EngineCore,
  request: ListSearchAttributesRequest,
): Promise<Pick<ListSearchAttributesResponse, 'customAttributes' | 'systemAttributes'>> {
  const namespace = core.checkNamespace(request.namespace);
  const registry = await loadRegistry(core.store, namespace);
  return {
    customAttributes: Object.fromEntries(
      [...registry].map(([name, type]) => [name, toIndexedValueType(type)]),
    ),
    systemAttributes: Object.fromEntries(
      Object.entries(SYSTEM_SEARCH_ATTRIBUTES).map(([name, type]) => [name, toIndexedValueType(type)]),
    ),
  };
}
