import { z } from 'zod';
/** `apps/v1` + `StatefulSet` -> `V1StatefulSet`; `v1` + `Service` -> `V1Service`. */
export declare function modelFor(apiVersion: string, kind: string): string;
export declare const RuleGroupsSchema: z.ZodObject<{
    groups: z.ZodArray<z.ZodObject<{
        name: z.ZodString;
        interval: z.ZodOptional<z.ZodString>;
        limit: z.ZodOptional<z.ZodInt>;
        rules: z.ZodArray<z.ZodObject<{
            alert: z.ZodOptional<z.ZodString>;
            record: z.ZodOptional<z.ZodString>;
            expr: z.ZodUnion<readonly [z.ZodString, z.ZodInt]>;
            for: z.ZodOptional<z.ZodString>;
            keep_firing_for: z.ZodOptional<z.ZodString>;
            labels: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
            annotations: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
        }, z.core.$strict>>;
    }, z.core.$strict>>;
}, z.core.$strict>;
/**
 * Validates one manifest. Returns a list of problems (empty when valid), each naming the field
 * path, e.g. `spec.template.spec.containers[0].imagePullPolcy: unknown field in V1Container`.
 */
export declare function validateManifest(doc: unknown): Promise<string[]>;
