/**
 * `strata controller status` output: per deployment, its target, current and ramping versions, every
 * version with its status, workers running/desired, open pinned workflows and drainage time, and the
 * actions the controller would take next, with when and why.
 */
import { type ControllerAction, describeAction } from '../controller/actions.js';
import type { DeploymentReport } from '../controller/controller.js';
import { formatKeyValues, formatTable } from './output.js';

interface VersionRow {
  buildId: string;
  status: string;
  workers: string;
  pinned: string;
  drainageChanged: string;
  role: string;
}

function versionRows(report: DeploymentReport): VersionRow[] {
  const { observed, manifest } = report;
  const buildIds = new Set<string>([
    manifest.buildId,
    ...(observed.server?.versions ?? []).map((version) => version.version.buildId),
    ...observed.runtime.map((version) => version.buildId),
  ]);
  return [...buildIds].sort().map((buildId) => {
    const server = observed.server?.versions.find((version) => version.version.buildId === buildId);
    const runtime = observed.runtime.find((version) => version.buildId === buildId);
    return {
      buildId,
      status: server?.status ?? 'not on the server',
      workers: runtime === undefined ? '-' : `${runtime.runningReplicas}/${runtime.desiredReplicas}`,
      pinned: server === undefined ? '-' : String(server.openPinnedWorkflows),
      drainageChanged: server?.drainageInfo?.lastChangedTime.toISOString() ?? '',
      role: buildId === manifest.buildId ? 'target' : '',
    };
  });
}

function actionLine(action: ControllerAction): string {
  return `${describeAction(action)}: ${action.reason}`;
}

export function formatStatus(reports: readonly DeploymentReport[]): string {
  return reports
    .map((report) => {
      const { manifest, observed } = report;
      const routing = observed.server?.routing;
      const ramping = routing?.rampingVersion
        ? `${routing.rampingVersion.buildId} at ${routing.rampingVersionPercentage}%`
        : 'none';
      const header = formatKeyValues([
        ['Deployment', `${manifest.deploymentName} (${manifest.source})`],
        ['Target', `${manifest.buildId} (${manifest.template.artifact}, ${manifest.rollout.strategy})`],
        [
          'Current',
          observed.server === undefined
            ? 'the server has no such deployment yet (no worker polled)'
            : (routing?.currentVersion?.buildId ?? 'unversioned'),
        ],
        ['Ramping', observed.server === undefined ? undefined : ramping],
      ]);
      const table = formatTable<VersionRow>(
        [
          { header: 'Build id', value: (row) => row.buildId },
          { header: 'Status', value: (row) => row.status },
          { header: 'Workers', value: (row) => row.workers },
          { header: 'Pinned', value: (row) => row.pinned },
          { header: 'Drainage changed', value: (row) => row.drainageChanged },
          { header: '', value: (row) => row.role },
        ],
        versionRows(report),
      );
      const next =
        report.actions.length === 0
          ? ['  nothing: all is as the manifest says']
          : report.actions.map((a) => `  ${actionLine(a)}`);
      const refused = report.refusals.map(
        (refusal) => `  ${refusal.check} (${new Date(refusal.atMs).toISOString()}): ${refusal.message}`,
      );
      const blocked = refused.length === 0 ? '' : `\n\nRefused by replay:\n${refused.join('\n')}`;
      return `${header}\n\n${table}${blocked}\n\nNext:\n${next.join('\n')}`;
    })
    .join('\n\n');
}

/** The same, as data for `-o json`. */
export function statusDocument(reports: readonly DeploymentReport[]): unknown {
  return reports.map((report) => ({
    deploymentName: report.manifest.deploymentName,
    source: report.manifest.source,
    target: { buildId: report.manifest.buildId, strategy: report.manifest.rollout.strategy },
    routing: report.observed.server?.routing ?? null,
    versions: versionRows(report),
    gates: report.observed.gates ?? {},
    next: report.actions.map((action) => ({ ...action, summary: describeAction(action) })),
    refusals: report.refusals,
  }));
}
