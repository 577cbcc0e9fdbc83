export {
  ACCESS_VALUES,
  AUTH_OPS,
  AuthRefusal,
  AuthTable,
  ROOT_ROLE,
  permissionTargets,
  type Access,
  type AccessNeed,
  type AuthCommand,
  type AuthDoc,
  type AuthErrorCode,
  type AuthView,
  type Permission,
  type RoleRecord,
  type UserRecord,
} from './auth-table.js';
export { commandNeeds, type CommandNeeds } from './access.js';
