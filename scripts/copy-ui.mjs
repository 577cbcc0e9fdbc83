#!/usr/bin/env node
// Part of `npm run build`: the status page's files (src/api/ui: plain HTML, CSS and ES modules,
// no build step of their own) are copied next to the compiled routes-ui.js, which serves them.
import { cpSync, rmSync } from 'node:fs';

rmSync('dist/src/api/ui', { recursive: true, force: true });
cpSync('src/api/ui', 'dist/src/api/ui', { recursive: true });
