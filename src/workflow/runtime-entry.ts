/**
 * Entry of the runtime part of a workflow bundle, evaluated once per sandbox context. It installs the
 * deterministic globals and publishes the one runtime instance that every run's workflow modules import
 * (the bundler points `strata/workflow` and the common modules at these globals).
 */
import * as converter from '../common/converter.js';
import * as duration from '../common/duration.js';
import * as failure from '../common/failure.js';
import { installDeterministicGlobals } from './global-overrides.js';
import * as api from './index.js';
import { createRun, failureOf, listWorkflowTypes } from './worker-interface.js';

installDeterministicGlobals();

Object.assign(globalThis, {
  __strataRuntime: api,
  __strataCommon: { converter, duration, failure },
  __strataHost: { createRun, listWorkflowTypes, failureOf },
});
