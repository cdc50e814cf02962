export * from './llama';
export * from './bert';
export * from './heads';
