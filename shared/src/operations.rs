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
