import type Router from '@koa/router';
import { type RouteDeps } from './http-context.js';
export declare function registerMemberRoutes(router: Router, deps: RouteDeps): void;
