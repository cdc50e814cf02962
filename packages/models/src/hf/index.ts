export { CONFIG_FILE, SAFETENSORS_FILE, SAFETENSORS_INDEX_FILE, joinFilePath, readJsonObject } from './files';
export { readCheckpointIndex, type CheckpointIndex, type CheckpointTensorInfo } from './checkpoint-index';
export { checkCheckpointTensors, loadCheckpointIntoModule, type CheckpointMatchOptions } from './load-checkpoint';
export { writeHuggingFaceCheckpoint } from './save-checkpoint';
