/**
 * The marker the patching API records (`patched` / `deprecatePatch`): Temporal's `core_patch` marker whose
 * `patch_data` detail holds `{ "id": ..., "deprecated": ... }` as JSON, so histories read the same in both engines.
 * Pure JavaScript: the workflow runtime writes it inside the sandbox; the replayer, the CLI and the engine (the
 * `Patches` search attribute) read it through `patch-marker-proto.ts`.
 */
import { jsonObjectOf, type RawPayload } from './converter.js';

/** The marker name of patch markers. */
export const PATCH_MARKER_NAME = 'core_patch';

/** The key of the marker detail holding the patch. */
export const PATCH_MARKER_DETAIL = 'patch_data';

/** What one patch marker records. */
export interface PatchMarker {
  /** The id given to `patched(id)` or `deprecatePatch(id)`. */
  id: string;
  /** True when recorded by `deprecatePatch`: replay skips it when the code no longer asks for the patch. */
  deprecated: boolean;
}

/** The marker details of a patch, as the sandbox's commands carry them. */
export function patchMarkerDetails(marker: PatchMarker): Record<string, RawPayload[]> {
  const data = JSON.stringify({ id: marker.id, deprecated: marker.deprecated });
  return { [PATCH_MARKER_DETAIL]: [{ encoding: 'json/plain', data }] };
}

/** The patch that the JSON text of a `patch_data` detail records; undefined when it holds no patch id. */
export function patchMarkerOfJson(json: string | undefined): PatchMarker | undefined {
  const value = jsonObjectOf(json);
  if (value === undefined) return undefined;
  const { id, deprecated } = value as { id?: unknown; deprecated?: unknown };
  return typeof id === 'string' ? { id, deprecated: deprecated === true } : undefined;
}

/** The patch a command records, if it is a patch marker. */
export function patchMarkerOfRaw(
  markerName: string,
  details: Readonly<Record<string, readonly RawPayload[] | undefined>>,
): PatchMarker | undefined {
  if (markerName !== PATCH_MARKER_NAME) return undefined;
  return patchMarkerOfJson(details[PATCH_MARKER_DETAIL]?.[0]?.data);
}
