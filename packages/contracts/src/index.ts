export * from './api-key.ts';
export * from './change-request.ts';
export * from './envelope.ts';
export * from './error-codes.ts';
export * from './event.ts';
export * from './repo.ts';
export * from './task.ts';
export * from './task-status.ts';
