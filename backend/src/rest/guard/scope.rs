//! Guard 6, scope (SPEC §4.6): what of the company's data the caller may see and write.
//!
//! Tenant isolation is the company id every query filters by (another company's row is "not
//! found", never its data). Visibility groups limit a *user* (and their personal tokens) to some
//! departments; API keys and Partner API credentials are not users and are never limited by
//! employee (seed 004). An API key's grant may name fields: the others are absent from
//! responses and rejected in writes.

use serde_json::{Map, Value};
use shared::api::ApiEndpoint;
use uuid::Uuid;

use crate::rest::caller::Caller;
use crate::rest::problem::{Problem, ProblemKind};

#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The caller's company; `None` for hub users.
    pub company_id: Option<Uuid>,
    /// Departments a user is limited to by visibility groups; `None` = no limit.
    pub departments: Option<Vec<String>>,
    /// Fields an API key may see and write on this endpoint; `None` = all.
    pub fields: Option<Vec<String>>,
}

impl Scope {
    pub fn of(caller: &Caller, endpoint: ApiEndpoint) -> Self {
        let (departments, fields) = match caller {
            Caller::User { principal, .. } => (principal.departments.clone(), None),
            Caller::ApiKey(key) => (None, key.grant(endpoint).and_then(|g| g.fields.clone())),
            Caller::ApiCredential(_) => (None, None),
        };
        Self {
            company_id: caller.company_id(),
            departments,
            fields,
        }
    }

    /// Whether a row of this department is visible (a row without department is visible only
    /// to callers without a department limit).
    pub fn sees_department(&self, department: Option<&str>) -> bool {
        match (&self.departments, department) {
            (None, _) => true,
            (Some(list), Some(d)) => list.iter().any(|l| l == d),
            (Some(_), None) => false,
        }
    }

    fn allows_field(&self, name: &str) -> bool {
        self.fields
            .as_ref()
            .is_none_or(|f| f.iter().any(|x| x == name))
    }

    /// Removes the fields the caller may not see from a resource object (or from each object
    /// of an array).
    pub fn filter(&self, value: Value) -> Value {
        if self.fields.is_none() {
            return value;
        }
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(k, _)| self.allows_field(k))
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.filter(v)).collect())
            }
            other => other,
        }
    }

    /// Serialises a resource (or a list of them) and removes the fields the caller may not see.
    pub fn render<T: serde::Serialize>(&self, resource: &T) -> Result<Value, Problem> {
        let value = serde_json::to_value(resource)
            .map_err(|e| Problem::from(crate::error::AppError::Internal(e.into())))?;
        Ok(self.filter(value))
    }

    /// Rejects a write that sets a field the caller may not write, naming the first one.
    pub fn check_write(&self, body: &Map<String, Value>) -> Result<(), Problem> {
        match body.keys().find(|k| !self.allows_field(k)) {
            None => Ok(()),
            Some(k) => Err(Problem::new(
                ProblemKind::Forbidden,
                format!("the API key may not write the field {k}"),
            )
            .with("field", k.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limited(fields: &[&str]) -> Scope {
        Scope {
            fields: Some(fields.iter().map(|s| s.to_string()).collect()),
            ..Scope::default()
        }
    }

    #[test]
    fn fields_are_filtered_in_objects_and_arrays() {
        let s = limited(&["first_name"]);
        assert_eq!(
            s.filter(json!({"id": 1, "first_name": "A", "salary": 9})),
            json!({"first_name": "A"})
        );
        assert_eq!(
            s.filter(json!([{"id": 1, "first_name": "A"}])),
            json!([{"first_name": "A"}])
        );
        let all = Scope::default();
        assert_eq!(all.filter(json!({"salary": 9})), json!({"salary": 9}));
    }

    #[test]
    fn writes_of_ungranted_fields_are_rejected() {
        let s = limited(&["first_name"]);
        let ok = json!({"first_name": "A"});
        let bad = json!({"first_name": "A", "salary": 1});
        assert!(s.check_write(ok.as_object().expect("object")).is_ok());
        let p = s
            .check_write(bad.as_object().expect("object"))
            .expect_err("salary");
        assert_eq!(p.extensions.get("field"), Some(&json!("salary")));
    }

    #[test]
    fn departments() {
        let s = Scope {
            departments: Some(vec!["Engineering".into()]),
            ..Scope::default()
        };
        assert!(s.sees_department(Some("Engineering")));
        assert!(!s.sees_department(Some("Sales")));
        assert!(!s.sees_department(None));
        assert!(Scope::default().sees_department(None));
    }
}
