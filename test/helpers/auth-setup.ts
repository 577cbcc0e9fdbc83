// The REST steps that turn auth on live with the tools (the chaos run uses them too).
export { authSetupSteps, type AuthStep } from '../../cmd/lib/auth-setup.js';
