//! Every GraphQL operation the admin SPA sends, as text. They live here rather than in the
//! frontend so that the server's test suite can check each one against the schema it serves
//! (`backend/tests/api/spa_operations.rs`): a renamed field or argument fails CI, not the
//! browser. The names are SPEC §8's public contract.

pub const LOGIN: &str = "mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token }
}";

pub const LOGOUT: &str = "mutation Logout { logout }";

pub const ME: &str = "query Me {
  me { id email name role { name } permissions company { id name } reseller { id name } }
}";

const FEATURE_FIELDS: &str = "features { flag label description enabled effective }";

pub fn resellers() -> String {
    format!(
        "query Resellers($first: Int, $after: String, $search: String) {{
  resellers(first: $first, after: $after, search: $search) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ id name apiRateLimit {FEATURE_FIELDS} }}
  }}
}}"
    )
}

pub fn reseller() -> String {
    format!(
        "query Reseller($id: ID!) {{ reseller(id: $id) {{ id name apiRateLimit {FEATURE_FIELDS} }} }}"
    )
}

pub fn create_reseller() -> String {
    format!(
        "mutation CreateReseller($input: CreateResellerInput!) {{
  createReseller(input: $input) {{ id name apiRateLimit {FEATURE_FIELDS} }}
}}"
    )
}

pub fn update_reseller() -> String {
    format!(
        "mutation UpdateReseller($id: ID!, $input: UpdateResellerInput!) {{
  updateReseller(id: $id, input: $input) {{ id name apiRateLimit {FEATURE_FIELDS} }}
}}"
    )
}

pub fn set_reseller_feature() -> String {
    format!(
        "mutation SetResellerFeature($id: ID!, $flag: String!, $enabled: Boolean!) {{
  setResellerFeature(resellerId: $id, flag: $flag, enabled: $enabled) {{ id name apiRateLimit {FEATURE_FIELDS} }}
}}"
    )
}

fn company_fields() -> String {
    format!(
        "id name apiAccessType apiRateLimit effectiveApiRateLimit apiRequestDelaySeconds \
         {FEATURE_FIELDS} reseller {{ id name apiRateLimit {FEATURE_FIELDS} }}"
    )
}

pub fn companies() -> String {
    format!(
        "query Companies($first: Int, $after: String, $search: String) {{
  companies(first: $first, after: $after, search: $search) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ {} }}
  }}
}}",
        company_fields()
    )
}

pub fn company() -> String {
    format!(
        "query Company($id: ID!) {{ company(id: $id) {{ {} }} }}",
        company_fields()
    )
}

pub fn create_company() -> String {
    format!(
        "mutation CreateCompany($input: CreateCompanyInput!) {{ createCompany(input: $input) {{ {} }} }}",
        company_fields()
    )
}

pub fn update_company() -> String {
    format!(
        "mutation UpdateCompany($id: ID!, $input: UpdateCompanyInput!) {{
  updateCompany(id: $id, input: $input) {{ {} }}
}}",
        company_fields()
    )
}

pub fn set_company_feature() -> String {
    format!(
        "mutation SetCompanyFeature($id: ID!, $flag: String!, $enabled: Boolean!) {{
  setCompanyFeature(companyId: $id, flag: $flag, enabled: $enabled) {{ {} }}
}}",
        company_fields()
    )
}

const USER_FIELDS: &str = "id email name active lastLoginAt role { id name } company { id name } \
                           reseller { id name } visibilityGroups { id name }";

pub fn users() -> String {
    format!(
        "query Users($first: Int, $after: String, $search: String, $companyId: ID) {{
  users(first: $first, after: $after, search: $search, companyId: $companyId) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ {USER_FIELDS} }}
  }}
}}"
    )
}

pub fn create_user() -> String {
    format!(
        "mutation CreateUser($input: CreateUserInput!) {{ createUser(input: $input) {{ {USER_FIELDS} }} }}"
    )
}

pub fn update_user() -> String {
    format!(
        "mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {{
  updateUser(id: $id, input: $input) {{ {USER_FIELDS} }}
}}"
    )
}

const ROLE_FIELDS: &str = "id name builtIn kind companyId permissions";

pub fn roles() -> String {
    format!("query Roles($companyId: ID) {{ roles(companyId: $companyId) {{ {ROLE_FIELDS} }} }}")
}

pub fn create_role() -> String {
    format!(
        "mutation CreateRole($input: CreateRoleInput!) {{ createRole(input: $input) {{ {ROLE_FIELDS} }} }}"
    )
}

pub fn update_role() -> String {
    format!(
        "mutation UpdateRole($id: ID!, $input: UpdateRoleInput!) {{ updateRole(id: $id, input: $input) {{ {ROLE_FIELDS} }} }}"
    )
}

pub const DELETE_ROLE: &str = "mutation DeleteRole($id: ID!) { deleteRole(id: $id) }";

const GROUP_FIELDS: &str = "id companyId name departments";

pub fn visibility_groups() -> String {
    format!(
        "query VisibilityGroups($companyId: ID!) {{ visibilityGroups(companyId: $companyId) {{ {GROUP_FIELDS} }} }}"
    )
}

pub fn create_visibility_group() -> String {
    format!(
        "mutation CreateVisibilityGroup($input: CreateVisibilityGroupInput!) {{
  createVisibilityGroup(input: $input) {{ {GROUP_FIELDS} }}
}}"
    )
}

pub fn update_visibility_group() -> String {
    format!(
        "mutation UpdateVisibilityGroup($id: ID!, $input: UpdateVisibilityGroupInput!) {{
  updateVisibilityGroup(id: $id, input: $input) {{ {GROUP_FIELDS} }}
}}"
    )
}

pub const DELETE_VISIBILITY_GROUP: &str =
    "mutation DeleteVisibilityGroup($id: ID!) { deleteVisibilityGroup(id: $id) }";

/// Every operation above, by name, for the schema check.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("login", LOGIN.into()),
        ("logout", LOGOUT.into()),
        ("me", ME.into()),
        ("resellers", resellers()),
        ("reseller", reseller()),
        ("create_reseller", create_reseller()),
        ("update_reseller", update_reseller()),
        ("set_reseller_feature", set_reseller_feature()),
        ("companies", companies()),
        ("company", company()),
        ("create_company", create_company()),
        ("update_company", update_company()),
        ("set_company_feature", set_company_feature()),
        ("users", users()),
        ("create_user", create_user()),
        ("update_user", update_user()),
        ("roles", roles()),
        ("create_role", create_role()),
        ("update_role", update_role()),
        ("delete_role", DELETE_ROLE.into()),
        ("visibility_groups", visibility_groups()),
        ("create_visibility_group", create_visibility_group()),
        ("update_visibility_group", update_visibility_group()),
        ("delete_visibility_group", DELETE_VISIBILITY_GROUP.into()),
        ("api_credentials", api_credentials()),
        ("create_api_credential", create_api_credential()),
        (
            "regenerate_api_credential_secret",
            regenerate_api_credential_secret(),
        ),
        ("revoke_api_credential", REVOKE_API_CREDENTIAL.into()),
        ("api_keys", api_keys()),
        ("create_api_key", create_api_key()),
        ("revoke_api_key", REVOKE_API_KEY.into()),
        ("revoke_all_api_keys", REVOKE_ALL_API_KEYS.into()),
    ]
}

// ---- Settings → Partner API (client credentials) and API V2 keys ---------------------------

const API_CREDENTIAL_FIELDS: &str = "id clientId name companyId role { id name permissions } \
                                     maskedSecret status createdAt lastUsedAt \
                                     previousSecretExpiresAt revokedAt";

pub fn api_credentials() -> String {
    format!(
        "query ApiCredentials($companyId: ID!) {{
  apiCredentials(companyId: $companyId) {{ {API_CREDENTIAL_FIELDS} }}
}}"
    )
}

pub fn create_api_credential() -> String {
    format!(
        "mutation CreateApiCredential($input: CreateApiCredentialInput!) {{
  createApiCredential(input: $input) {{ clientId clientSecret credential {{ {API_CREDENTIAL_FIELDS} }} }}
}}"
    )
}

pub fn regenerate_api_credential_secret() -> String {
    format!(
        "mutation RegenerateApiCredentialSecret($id: ID!, $graceSeconds: Int) {{
  regenerateApiCredentialSecret(id: $id, graceSeconds: $graceSeconds) {{
    clientId clientSecret credential {{ {API_CREDENTIAL_FIELDS} }}
  }}
}}"
    )
}

pub const REVOKE_API_CREDENTIAL: &str =
    "mutation RevokeApiCredential($id: ID!) { revokeApiCredential(id: $id) }";

const API_KEY_FIELDS: &str = "id name maskedKey grants { endpoint actions fields } createdAt \
                              lastUsedAt previousKeyExpiresAt";

pub fn api_keys() -> String {
    format!(
        "query ApiKeys($companyId: ID!) {{ apiKeys(companyId: $companyId) {{ {API_KEY_FIELDS} }} }}"
    )
}

pub fn create_api_key() -> String {
    format!(
        "mutation CreateApiKey($input: CreateApiKeyInput!) {{
  createApiKey(input: $input) {{ key apiKey {{ {API_KEY_FIELDS} }} }}
}}"
    )
}

pub const REVOKE_API_KEY: &str = "mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) }";

pub const REVOKE_ALL_API_KEYS: &str =
    "mutation RevokeAllApiKeys($companyId: ID!) { revokeAllApiKeys(companyId: $companyId) }";

// Least privilege from real use (issue 8): what each API key and Partner API credential used in
// the window, and the one-step narrowing. Checked against the schema by
// `backend/tests/api/spa_operations.rs` (listed there, apart from `all()`).

const GRANT_USAGE_FIELDS: &str = "days since requests \
used { endpoint actions fields } unused { endpoint actions fields } \
usedPermissions unusedPermissions unattributedRequests";

/// Every key of a company with its usage in the last `$days` (default 30, at most 90).
pub fn api_key_usage() -> String {
    format!(
        "query ApiKeyUsage($companyId: ID!, $days: Int) {{
  apiKeys(companyId: $companyId) {{ id name unusedGrants(days: $days) {{ {GRANT_USAGE_FIELDS} }} }}
}}"
    )
}

/// Every Partner API credential of a company with its usage in the last `$days`.
pub fn api_credential_usage() -> String {
    format!(
        "query ApiCredentialUsage($companyId: ID!, $days: Int) {{
  apiCredentials(companyId: $companyId) {{
    id name role {{ id name permissions }} unusedGrants(days: $days) {{ {GRANT_USAGE_FIELDS} }}
  }}
}}"
    )
}

/// Replaces a key's grants (same key string), e.g. with `unusedGrants.used`.
pub const UPDATE_API_KEY_GRANTS: &str =
    "mutation UpdateApiKeyGrants($id: ID!, $grants: [ApiKeyGrantInput!]!) {
  updateApiKeyGrants(id: $id, grants: $grants) {
    id name maskedKey grants { endpoint actions fields } createdAt lastUsedAt
  }
}";

/// Binds a credential to a new custom role with `input.permissions` (e.g.
/// `unusedGrants.usedPermissions`), named `input.roleName`.
pub const NARROW_API_CREDENTIAL: &str =
    "mutation NarrowApiCredential($id: ID!, $input: NarrowApiCredentialInput!) {
  narrowApiCredential(id: $id, input: $input) {
    id clientId name role { id name builtIn permissions } status createdAt lastUsedAt
  }
}";

/// The operations above, by name, for the schema check.
pub fn least_privilege() -> Vec<(&'static str, String)> {
    vec![
        ("api_key_usage", api_key_usage()),
        ("api_credential_usage", api_credential_usage()),
        ("update_api_key_grants", UPDATE_API_KEY_GRANTS.into()),
        ("narrow_api_credential", NARROW_API_CREDENTIAL.into()),
    ]
}

// ---- API Logs dashboard (SPEC §5) ------------------------------------------------------------

/// What a row of the log list shows.
const API_LOG_ROW_FIELDS: &str = "id time method uri endpoint statusCode responseTimeUs decision \
     company { id name } user { id } credentialKind";

pub fn api_logs() -> String {
    format!(
        "query ApiLogs($filter: ApiLogFilter, $first: Int, $after: String) {{
  apiLogs(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ {API_LOG_ROW_FIELDS} }}
  }}
}}"
    )
}

/// Everything of one log, for the detail drawer.
pub fn api_log() -> String {
    format!(
        "query ApiLog($id: ID!) {{
  apiLog(id: $id) {{
    {API_LOG_ROW_FIELDS} requestIp exception deniedBy credentialId
    requestHeaders responseHeaders requestBody responseBody
  }}
}}"
    )
}

pub const API_LOG_STATS: &str = "query ApiLogStats($filter: ApiLogFilter) {
  apiLogStats(filter: $filter) {
    from to total errors bucketSeconds
    topEndpoints { endpoint method count }
    slowestEndpoints { endpoint method avgResponseTimeUs count }
    mostActiveCompanies { company { id name } count }
    statusClasses { statusClass count }
    latency { p50Us p95Us p99Us }
    series { bucketStart requests errors }
  }
}";

/// The companies and users the filter bar offers (names only).
pub const API_LOG_COMPANIES: &str =
    "query ApiLogCompanies { companies(first: 200) { nodes { id name } } }";

pub const API_LOG_USERS: &str = "query ApiLogUsers($companyId: ID) {
  users(first: 200, companyId: $companyId) { nodes { id name email } }
}";

/// The API Logs dashboard's operations, by name, for the schema check.
pub fn api_logs_operations() -> Vec<(&'static str, String)> {
    vec![
        ("api_logs", api_logs()),
        ("api_log", api_log()),
        ("api_log_stats", API_LOG_STATS.into()),
        ("api_log_companies", API_LOG_COMPANIES.into()),
        ("api_log_users", API_LOG_USERS.into()),
    ]
}

// ---- personal access tokens (Partner API Tokens, Global Settings → API Management) ----------

const PERSONAL_ACCESS_TOKEN_FIELDS: &str = "id name maskedToken createdAt lastUsedAt expiresAt";

/// The caller's own tokens, newest first; `name` filters by part of it.
pub fn personal_access_tokens() -> String {
    format!(
        "query PersonalAccessTokens($name: String) {{
  personalAccessTokens(name: $name) {{ {PERSONAL_ACCESS_TOKEN_FIELDS} }}
}}"
    )
}

/// The one answer that holds the token itself.
pub fn create_personal_access_token() -> String {
    format!(
        "mutation CreatePersonalAccessToken($input: CreatePersonalAccessTokenInput!) {{
  createPersonalAccessToken(input: $input) {{ token personalAccessToken {{ {PERSONAL_ACCESS_TOKEN_FIELDS} }} }}
}}"
    )
}

pub const REVOKE_PERSONAL_ACCESS_TOKEN: &str =
    "mutation RevokePersonalAccessToken($id: ID!) { revokePersonalAccessToken(id: $id) }";

/// The personal-token operations, by name, for the schema check (next to [`all`]).
pub fn personal_access_token_operations() -> Vec<(&'static str, String)> {
    vec![
        ("personal_access_tokens", personal_access_tokens()),
        (
            "create_personal_access_token",
            create_personal_access_token(),
        ),
        (
            "revoke_personal_access_token",
            REVOKE_PERSONAL_ACCESS_TOKEN.into(),
        ),
    ]
}
