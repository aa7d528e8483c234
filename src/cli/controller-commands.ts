/**
 * `strata controller run | status`: the rollout controller ([controller.md](../../docs/controller.md))
 * driven from manifests, with the local runtime running the worker processes.
 */
import path from 'node:path';
import { type Command, Option } from 'commander';
import { DefaultLogger } from '../common/logger.js';
import { inspect, RolloutController } from '../controller/controller.js';
import { loadManifests } from '../controller/manifest.js';
import { RefusalLog } from '../controller/refusals.js';
import { LocalRuntime, readLocalRuntime } from '../controller/runtime/local.js';
import {
  addGlobalOptions,
  type GlobalOptions,
  output,
  parseDurationMs,
  withClient,
} from './common-options.js';
import { formatStatus, statusDocument } from './controller-status.js';

interface ControllerFlags extends GlobalOptions {
  file: string;
  stateDir: string;
}

interface RunFlags extends ControllerFlags {
  runtime: 'local';
  interval: number;
  stopWorkers?: boolean;
  once?: boolean;
}

const DEFAULT_STATE_DIR = '.strata-controller';

function addControllerOptions(command: Command): Command {
  return addGlobalOptions(
    command
      .requiredOption(
        '-f, --file <file-or-folder>',
        'a WorkerDeployment manifest, or a folder of them (.yaml/.yml)',
      )
      .option(
        '--state-dir <folder>',
        'where the local runtime records the worker processes it started, and their logs',
        DEFAULT_STATE_DIR,
      ),
  );
}

export function registerControllerCommands(program: Command): void {
  const controller = program
    .command('controller')
    .description(
      'Run worker deployments from manifests: start workers, promote new builds, retire drained ones',
    );

  addControllerOptions(
    controller
      .command('run')
      .description('Reconcile the manifests with the server and the worker processes until stopped (Ctrl-C)')
      .addOption(new Option('--runtime <runtime>', 'where workers run').choices(['local']).default('local'))
      .option('--interval <duration>', 'time between loops, e.g. 2s', parseDurationMs, 2000)
      .option(
        '--stop-workers',
        'stop the worker processes when the controller stops (default: leave them running)',
      )
      .option('--once', 'run one loop and exit'),
  ).action(async (flags: RunFlags) => {
    // A manifest mistake is reported before anything starts; later edits that break it are logged and skipped.
    await loadManifests(flags.file);
    await withClient(flags, async (client) => {
      const logger = new DefaultLogger('INFO');
      const runtime = await LocalRuntime.open({
        stateDir: path.resolve(flags.stateDir),
        address: flags.address,
        namespace: flags.namespace,
        logger,
      });
      const loop = new RolloutController({
        manifestPath: flags.file,
        client,
        runtime,
        logger,
        identity: `strata-controller@${process.pid}`,
        stateDir: path.resolve(flags.stateDir),
      });
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        if (flags.once) await loop.reconcile();
        else {
          logger.info(
            `controller: running ${flags.file} every ${flags.interval} ms (state in ${flags.stateDir})`,
          );
          await loop.run({ intervalMs: flags.interval, signal: stop.signal });
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await runtime.close({ stopWorkers: flags.stopWorkers === true });
        logger.info(
          flags.stopWorkers
            ? 'controller: stopped, workers stopped'
            : 'controller: stopped, workers left running',
        );
      }
    });
  });

  addControllerOptions(
    controller
      .command('status')
      .description(
        'Per deployment: target, current and ramping versions, every version, and the next actions',
      ),
  ).action((flags: ControllerFlags) =>
    withClient(flags, async (client) => {
      const stateDir = path.resolve(flags.stateDir);
      const reports = await inspect(
        { manifestPath: flags.file, client, runtime: readLocalRuntime(stateDir) },
        Date.now(),
        RefusalLog.read(stateDir),
      );
      output(flags, statusDocument(reports), formatStatus(reports));
    }),
  );
}
