export * from './llama';
export * from './bert';
