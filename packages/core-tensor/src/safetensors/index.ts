export {
  SAFETENSORS_DTYPES,
  type LoadedTensorDtype,
  type SafetensorsDtype,
  type SafetensorsWriteDtype,
} from './dtypes';
export {
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  type ParseSafetensorsHeaderOptions,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
} from './header';
export { parseSafetensors, type SafetensorsContents } from './parse';
export { type NamedTensors, serializeSafetensors, type SerializeSafetensorsOptions } from './serialize';
export { readSafetensors, readSafetensorsHeader, writeSafetensors } from './files';
