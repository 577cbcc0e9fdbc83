import type Router from '@koa/router';
import { type RouteDeps } from './http-context.js';
import { type Schemas } from './schemas.js';
export declare function registerKvRoutes(router: Router, deps: RouteDeps, schemas: Schemas): void;
