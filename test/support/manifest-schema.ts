/**
 * The rules of Slack's app manifest JSON Schema v1 (slackapi/manifest-schema,
 * schemas/manifest.schema.1.0.0.json) for every key a bridge manifest can use, restated
 * here because the schema is not published on npm and tests run offline. Keys Slack's
 * schema has for hosted apps (workflows, datastores…) are allowed but not detailed; `functions` (custom steps) is.
 * `agent_view` (Slack's default agent experience since June 2026) is newer than that schema
 * file; its rules are those of @slack/web-api 8's manifest types and Slack's manifest reference
 * (agent_description ≤300 characters, ≤4 suggested prompts).
 */
const url = (max: number) => ({ type: 'string', pattern: '^https?:\\/\\/', maxLength: max });
const strings = (maxLength: number, maxItems: number) => ({ type: 'array', items: { type: 'string', maxLength }, maxItems });
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, required });

/** The parameter types of custom steps (docs.slack.dev/reference/types; slack-platform.md §14.5). */
export const STEP_PARAMETER_TYPES = [
  'string',
  'integer',
  'number',
  'boolean',
  'array',
  'object',
  'slack#/types/user_id',
  'slack#/types/channel_id',
  'slack#/types/timestamp',
  'slack#/types/date',
  'slack#/types/rich_text',
  'slack#/types/message_ts',
  'slack#/types/message_context',
  'slack#/types/file_id',
  'slack#/types/canvas_id',
  'slack#/types/list_id',
  'slack#/types/interactivity',
  'slack#/types/blocks',
];
const stepParameters = obj(
  {
    properties: {
      type: 'object',
      maxProperties: 50,
      additionalProperties: obj(
        {
          type: { type: 'string', enum: STEP_PARAMETER_TYPES },
          title: { type: 'string', minLength: 1 },
          description: { type: 'string', minLength: 1 },
          hint: { type: 'string', minLength: 1 },
          minLength: { type: 'integer', minimum: 0 },
          maxLength: { type: 'integer', minimum: 1 },
          minimum: { type: 'number' },
          maximum: { type: 'number' },
        },
        ['type'],
      ),
    },
    required: { type: 'array', items: { type: 'string' }, uniqueItems: true },
  },
  ['properties'],
);

/** What JSON Schema cannot say of a `functions` section: every required parameter is one of its properties. */
export function functionsErrors(functions: Record<string, { input_parameters: StepParams; output_parameters: StepParams }> | undefined): string[] {
  const errors: string[] = [];
  for (const [id, f] of Object.entries(functions ?? {})) {
    for (const side of ['input_parameters', 'output_parameters'] as const) {
      for (const name of f[side].required ?? [])
        if (!(name in f[side].properties)) errors.push(`functions.${id}.${side}.required names ${name}, not a property`);
    }
  }
  return errors;
}
type StepParams = { properties: Record<string, unknown>; required?: string[] };

export const manifestSchemaV1 = {
  ...obj(
    {
      $schema: { type: 'string' },
      _metadata: obj({
        schema_version: { type: 'integer' },
        min_version: { type: 'integer' },
        major_version: { type: 'integer' },
        minor_version: { type: 'integer' },
      }),
      app_directory: { type: 'object' },
      display_information: obj(
        {
          name: { type: 'string', minLength: 1, maxLength: 35 },
          description: { type: 'string', minLength: 1, maxLength: 140 },
          background_color: { type: 'string', minLength: 4, maxLength: 7, pattern: '^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$' },
          long_description: { type: 'string', minLength: 175, maxLength: 4000 },
        },
        ['name'],
      ),
      features: obj({
        app_home: obj({
          home_tab_enabled: { type: 'boolean' },
          messages_tab_enabled: { type: 'boolean' },
          messages_tab_read_only_enabled: { type: 'boolean' },
        }),
        bot_user: obj({ display_name: { type: 'string', minLength: 1, maxLength: 80 }, always_online: { type: 'boolean' } }, ['display_name']),
        slash_commands: {
          type: 'array',
          minItems: 1,
          maxItems: 50,
          items: obj(
            {
              command: { type: 'string', minLength: 2, maxLength: 32, pattern: '^\\/' },
              url: url(3000),
              description: { type: 'string', minLength: 1, maxLength: 2000 },
              usage_hint: { type: 'string', minLength: 1, maxLength: 1000 },
              should_escape: { type: 'boolean' },
            },
            ['command', 'description'],
          ),
        },
        // slack-platform.md §14.4 (the SDK's manifest.d.ts): ≤10 of {type, name, callback_id ≤255, description ≤150}.
        shortcuts: {
          type: 'array',
          minItems: 1,
          maxItems: 10,
          items: obj(
            {
              type: { type: 'string', enum: ['global', 'message'] },
              name: { type: 'string', minLength: 1 },
              callback_id: { type: 'string', minLength: 1, maxLength: 255 },
              description: { type: 'string', minLength: 1, maxLength: 150 },
            },
            ['type', 'name', 'callback_id', 'description'],
          ),
        },
        unfurl_domains: { type: 'array', minItems: 1, maxItems: 5 },
        workflow_steps: { type: 'array', minItems: 1, maxItems: 10 },
        functions: { type: 'array' },
        agent_view: obj({
          agent_description: { type: 'string', maxLength: 300 },
          suggested_prompts: { type: 'array', maxItems: 4, items: obj({ title: { type: 'string' }, message: { type: 'string' } }, ['title', 'message']) },
          actions: { type: 'array', items: obj({ name: { type: 'string' }, description: { type: 'string' } }, ['name']) },
        }),
        assistant_view: obj(
          {
            assistant_description: { type: 'string' },
            suggested_prompts: { type: 'array', items: obj({ title: { type: 'string' }, message: { type: 'string' } }, ['title', 'message']) },
          },
          ['assistant_description'],
        ),
      }),
      oauth_config: obj({
        redirect_urls: { type: 'array', uniqueItems: true, maxItems: 1000, items: { type: 'string', maxLength: 2500 } },
        scopes: obj({ user: strings(50, 255), bot: strings(50, 255), user_optional: strings(50, 255), bot_optional: strings(50, 255) }),
        token_management_enabled: { type: 'boolean' },
        pkce_enabled: { type: 'boolean' },
      }),
      settings: obj({
        allowed_ip_address_ranges: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true },
        event_subscriptions: obj({
          request_url: url(3500),
          user_events: { ...strings(50, 100), uniqueItems: true },
          bot_events: { ...strings(50, 100), uniqueItems: true },
          metadata_subscriptions: { type: 'array' },
        }),
        incoming_webhooks: obj({ incoming_webhooks_enabled: { type: 'boolean' } }),
        interactivity: obj({ is_enabled: { type: 'boolean' }, request_url: url(3500), message_menu_options_url: url(3500) }, ['is_enabled']),
        org_deploy_enabled: { type: 'boolean' },
        socket_mode_enabled: { type: 'boolean' },
        is_hosted: { type: 'boolean' },
        token_rotation_enabled: { type: 'boolean' },
        siws_links: { type: 'object' },
        hermes_app_type: { type: 'string' },
        function_runtime: { type: 'string' },
        is_mcp_enabled: { type: 'boolean' },
      }),
      // slack-platform.md §14.5 (the SDK's manifest.d.ts): callback_id → {title, description, input_parameters, output_parameters},
      // each parameters object {properties (≤50), required?}; a property {type, title?, description?, hint?, min/maxLength, minimum/maximum}.
      functions: {
        type: 'object',
        propertyNames: { pattern: '^[a-z0-9_]{1,100}$' },
        additionalProperties: obj(
          {
            title: { type: 'string', minLength: 1, maxLength: 255 },
            description: { type: 'string', minLength: 1, maxLength: 255 },
            input_parameters: stepParameters,
            output_parameters: stepParameters,
          },
          ['title', 'description', 'input_parameters', 'output_parameters'],
        ),
      },
      workflows: { type: 'object' },
      datastores: { type: 'object' },
      outgoing_domains: { type: 'array' },
      types: { type: 'object' },
      external_auth_providers: { type: 'object' },
    },
    ['display_information'],
  ),
};
