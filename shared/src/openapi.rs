//! The endpoints of an OpenAPI 3.x document, grouped by tag, as Global Settings → API
//! Management lists them ("API URLs", seed 003). The SPA reads the server's own document
//! (`/api/v1/openapi.json`), so the list cannot fall behind the API. Only what the list shows
//! is read; everything else in the document is ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The parts of an OpenAPI document the list needs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Document {
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub paths: BTreeMap<String, PathItem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Tag {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// One path's operations, by HTTP method (the other fields of a path item are ignored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PathItem {
    get: Option<Operation>,
    post: Option<Operation>,
    put: Option<Operation>,
    patch: Option<Operation>,
    delete: Option<Operation>,
    head: Option<Operation>,
    options: Option<Operation>,
    trace: Option<Operation>,
}

impl PathItem {
    /// The operations in the order lists show methods: read, create, replace, change, delete.
    fn operations(&self) -> impl Iterator<Item = (&'static str, &Operation)> {
        [
            ("GET", &self.get),
            ("POST", &self.post),
            ("PUT", &self.put),
            ("PATCH", &self.patch),
            ("DELETE", &self.delete),
            ("HEAD", &self.head),
            ("OPTIONS", &self.options),
            ("TRACE", &self.trace),
        ]
        .into_iter()
        .filter_map(|(method, op)| op.as_ref().map(|op| (method, op)))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Operation {
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub deprecated: bool,
}

/// One method on one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Upper case: `GET`.
    pub method: &'static str,
    pub path: String,
    pub summary: Option<String>,
    pub deprecated: bool,
}

/// The endpoints of one tag (resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointGroup {
    pub tag: String,
    pub description: Option<String>,
    pub endpoints: Vec<Endpoint>,
}

/// The group of operations without a tag.
pub const UNTAGGED: &str = "other";

impl Document {
    /// Every operation, grouped by its first tag: the groups in the order the document
    /// declares its tags (then any undeclared tag by name, then the untagged ones), each group's
    /// endpoints by path and method.
    pub fn endpoint_groups(&self) -> Vec<EndpointGroup> {
        let mut by_tag: BTreeMap<&str, Vec<Endpoint>> = BTreeMap::new();
        for (path, item) in &self.paths {
            for (method, op) in item.operations() {
                let tag = op.tags.first().map_or(UNTAGGED, String::as_str);
                by_tag.entry(tag).or_default().push(Endpoint {
                    method,
                    path: path.clone(),
                    summary: op
                        .summary
                        .as_deref()
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                    deprecated: op.deprecated,
                });
            }
        }
        let mut groups = Vec::new();
        for tag in &self.tags {
            if let Some(endpoints) = by_tag.remove(tag.name.as_str()) {
                groups.push(EndpointGroup {
                    tag: tag.name.clone(),
                    description: tag.description.clone(),
                    endpoints,
                });
            }
        }
        let untagged = by_tag.remove(UNTAGGED);
        for (tag, endpoints) in by_tag {
            groups.push(EndpointGroup {
                tag: tag.to_string(),
                description: None,
                endpoints,
            });
        }
        if let Some(endpoints) = untagged {
            groups.push(EndpointGroup {
                tag: UNTAGGED.to_string(),
                description: None,
                endpoints,
            });
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        serde_json::from_str(
            r#"{
              "openapi": "3.1.0",
              "info": { "title": "t", "version": "1" },
              "tags": [
                { "name": "employees", "description": "The company's employees" },
                { "name": "company" },
                { "name": "unused" }
              ],
              "paths": {
                "/api/v1/employees/{id}": {
                  "parameters": [],
                  "delete": { "tags": ["employees"], "summary": "Delete" },
                  "get": { "tags": ["employees"], "summary": " Get one " },
                  "patch": { "tags": ["employees"], "deprecated": true }
                },
                "/api/v1/employees": {
                  "post": { "tags": ["employees"] },
                  "get": { "tags": ["employees"], "summary": "" }
                },
                "/api/v1/company": { "get": { "tags": ["company"] } },
                "/health": { "get": {} },
                "/api/v1/zeta": { "get": { "tags": ["zeta", "company"] } },
                "/api/v1/alpha": { "get": { "tags": ["alpha"] } }
              }
            }"#,
        )
        .expect("an OpenAPI document")
    }

    #[test]
    fn groups_follow_the_declared_tags() {
        let groups = doc().endpoint_groups();
        let tags: Vec<&str> = groups.iter().map(|g| g.tag.as_str()).collect();
        assert_eq!(tags, ["employees", "company", "alpha", "zeta", UNTAGGED]);
        assert_eq!(
            groups[0].description.as_deref(),
            Some("The company's employees")
        );
        let employees: Vec<(&str, &str)> = groups[0]
            .endpoints
            .iter()
            .map(|e| (e.method, e.path.as_str()))
            .collect();
        assert_eq!(
            employees,
            [
                ("GET", "/api/v1/employees"),
                ("POST", "/api/v1/employees"),
                ("GET", "/api/v1/employees/{id}"),
                ("PATCH", "/api/v1/employees/{id}"),
                ("DELETE", "/api/v1/employees/{id}"),
            ]
        );
        assert_eq!(groups[0].endpoints[0].summary, None);
        assert_eq!(groups[0].endpoints[2].summary.as_deref(), Some("Get one"));
        assert!(groups[0].endpoints[3].deprecated);
        assert_eq!(groups[4].endpoints[0].path, "/health");
    }

    #[test]
    fn an_empty_document_has_no_groups() {
        let empty: Document = serde_json::from_str("{}").expect("parses");
        assert!(empty.endpoint_groups().is_empty());
    }
}
