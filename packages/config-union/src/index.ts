/**
 * Unions of adapter methods for peftjs: `ConfigUnion`, the MAM and UniPELT presets, gate score
 * recording and config strings such as `lora[r=8]|prefix_tuning`. Importing this package
 * registers the `union` adapter method, the `mam` and `unipelt` presets, and (through its
 * dependencies) the LoRA, bottleneck and prefix tuning methods.
 *
 * @packageDocumentation
 */
import '@peftjs/adapters-lora';
import '@peftjs/adapters-compacter';
import '@peftjs/adapters-prefix';
import './union-method';
import './presets';

export {
  ConfigUnion,
  isConfigUnion,
  parseConfigUnion,
  configUnionMember,
  replaceConfigUnion,
  unionFieldNames,
  type ConfigUnionType,
} from './union-config';
export { findUnionProblem, UNION_ARCHITECTURE, type UnionProblem } from './union-validation';
export { unionMethod } from './union-method';
export { MAMConfig, UniPELTConfig, type MAMMembers, type UniPELTMembers } from './mam-unipelt';
export { parseConfigString } from './config-string';
export {
  parseConfigStringSyntax,
  configStringError,
  type ConfigStringItem,
  type ConfigStringArgument,
  type ConfigStringValue,
} from './config-string-syntax';
export { recordGateScores, groupGateScores, type GateScore, type GateScoreRecording } from '@peftjs/core-tensor';
