/**
 * Element types of the safetensors format that peftjs reads, with their sizes and the tfjs dtype
 * each one becomes.
 */

/**
 * A safetensors element type. Floating-point types load as `float32`, integer types as `int32`
 * and `BOOL` as `bool`.
 */
export type SafetensorsDtype =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

/** The safetensors element types {@link serializeSafetensors} can write. */
export type SafetensorsWriteDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'BOOL';

/** The tfjs dtypes safetensors tensors load as. */
export type LoadedTensorDtype = 'float32' | 'int32' | 'bool';

interface DtypeInfo {
  readonly byteSize: number;
  readonly loadsAs: LoadedTensorDtype;
}

// A Map, not an object literal, so a header dtype such as "constructor" or "__proto__" can never
// resolve to an inherited property.
const DTYPES: ReadonlyMap<SafetensorsDtype, DtypeInfo> = new Map<SafetensorsDtype, DtypeInfo>([
  ['BOOL', { byteSize: 1, loadsAs: 'bool' }],
  ['U8', { byteSize: 1, loadsAs: 'int32' }],
  ['I8', { byteSize: 1, loadsAs: 'int32' }],
  ['F8_E5M2', { byteSize: 1, loadsAs: 'float32' }],
  ['F8_E4M3', { byteSize: 1, loadsAs: 'float32' }],
  ['I16', { byteSize: 2, loadsAs: 'int32' }],
  ['U16', { byteSize: 2, loadsAs: 'int32' }],
  ['F16', { byteSize: 2, loadsAs: 'float32' }],
  ['BF16', { byteSize: 2, loadsAs: 'float32' }],
  ['I32', { byteSize: 4, loadsAs: 'int32' }],
  ['U32', { byteSize: 4, loadsAs: 'int32' }],
  ['F32', { byteSize: 4, loadsAs: 'float32' }],
  ['F64', { byteSize: 8, loadsAs: 'float32' }],
  ['I64', { byteSize: 8, loadsAs: 'int32' }],
  ['U64', { byteSize: 8, loadsAs: 'int32' }],
]);

/** Writable safetensors types per tfjs dtype, default first. */
const WRITE_DTYPES: ReadonlyMap<string, readonly SafetensorsWriteDtype[]> = new Map<
  string,
  readonly SafetensorsWriteDtype[]
>([
  ['float32', ['F32', 'F16', 'BF16']],
  ['int32', ['I32', 'I64']],
  ['bool', ['BOOL']],
]);

/** Every dtype {@link parseSafetensors} reads, in the order of the safetensors reference. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDtype[] = [...DTYPES.keys()];

/** Returns true if `value` names a dtype peftjs reads. */
export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && DTYPES.has(value as SafetensorsDtype);
}

/** Size in bytes of one element of `dtype`. */
export function dtypeByteSize(dtype: SafetensorsDtype): number {
  return (DTYPES.get(dtype) as DtypeInfo).byteSize;
}

/** Returns the tfjs dtype that a tensor stored as `dtype` loads as. */
export function loadedDtype(dtype: SafetensorsDtype): LoadedTensorDtype {
  return (DTYPES.get(dtype) as DtypeInfo).loadsAs;
}

/**
 * Returns the safetensors types a tensor of tfjs dtype `tensorDtype` may be written as, default
 * first, or an empty list when it cannot be written (`string`, `complex64`).
 */
export function writeDtypesFor(tensorDtype: string): readonly SafetensorsWriteDtype[] {
  return WRITE_DTYPES.get(tensorDtype) ?? [];
}
