//! Contacts in the API: the `Contact` type, the `contacts` list and contact mutations.

use super::connection::wants_total;
use super::context::ContextExt;
use super::customers::types::Customer;
use super::loaders::Records;
use super::{change, ids};
use crate::pagination::PageArgs;
use crate::service::contacts::{self, ContactPatch, Contacts};
use crate::service::customers::Customers;
use crate::service::resource::Row;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// A person at a customer (联系人).
#[derive(Clone)]
pub struct Contact(pub Row<Contacts>);

/// A person at a customer (联系人), visible and editable exactly when their customer is.
#[Object]
impl Contact {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("Contact", self.0.id)
    }
    /// The customer this person works at; null if the signed-in user cannot see it.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        let loader = ctx.data::<Records<Customers>>()?;
        Ok(loader.load_one(self.0.customer_id).await?.map(Customer))
    }
    /// Full name (1–100 characters).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Job title (职位).
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    /// Mobile number (手机).
    async fn mobile(&self) -> Option<&str> {
        self.0.mobile.as_deref()
    }
    /// Office or landline number (电话).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// E-mail address, lower-cased.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// WeChat ID (微信号).
    async fn wechat(&self) -> Option<&str> {
        self.0.wechat.as_deref()
    }
    /// Null for roles that read logistics only.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// Exactly one contact of a customer with contacts is primary.
    async fn is_primary(&self) -> bool {
        self.0.is_primary
    }
    /// When the contact was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the contact was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Send back with `updateContact`; a stale version is a `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

crate::connection_type!(ContactConnection, ContactEdge, Contact);

/// Filters for `contacts`; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct ContactFilter {
    /// Contacts of this customer.
    pub customer_id: Option<ID>,
    /// Substring of the name, mobile, phone or e-mail.
    pub search: Option<String>,
    /// True: only primary contacts, one per customer.
    pub primary_only: Option<bool>,
}

#[derive(Default)]
pub struct ContactQuery;

#[Object]
impl ContactQuery {
    /// Contacts of every customer the signed-in user may see, ordered by name.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        filter: Option<ContactFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<ContactConnection> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let f = filter.unwrap_or_default();
        let filter = contacts::ContactFilter {
            customer_id: ids::decode_opt("filter.customerId", "Customer", f.customer_id.as_ref())?,
            search: f.search,
            primary_only: f.primary_only == Some(true),
        };
        let args = PageArgs {
            max_size: Some(ctx.state()?.config.max_page_size),
            first,
            after,
            last,
            before,
        };
        let p = contacts::list(state, actor, &filter, &args, wants_total(ctx)).await?;
        Ok(ContactConnection::from_page(p, Contact))
    }
}

/// Contact fields; on update, leave a field out to keep it and send null to clear it.
#[derive(InputObject, Default)]
pub struct ContactFields {
    /// Full name, 1–100 characters; required when creating.
    pub name: Option<String>,
    /// Job title (职位), up to 100 characters.
    pub title: MaybeUndefined<String>,
    /// Mobile number (手机): digits, spaces and `+-()#`, at least 3 digits, up to 40
    /// characters.
    pub mobile: MaybeUndefined<String>,
    /// Office or landline number (电话), in the same format as `mobile`.
    pub phone: MaybeUndefined<String>,
    /// E-mail address; stored lower-cased.
    pub email: MaybeUndefined<String>,
    /// WeChat ID (微信号), up to 60 characters.
    pub wechat: MaybeUndefined<String>,
    /// Free text up to 5000 characters; hidden from warehouse users.
    pub notes: MaybeUndefined<String>,
}

impl From<ContactFields> for ContactPatch {
    fn from(f: ContactFields) -> Self {
        ContactPatch {
            name: f.name,
            title: change(f.title),
            mobile: change(f.mobile),
            phone: change(f.phone),
            email: change(f.email),
            wechat: change(f.wechat),
            notes: change(f.notes),
        }
    }
}

/// A new contact for a customer.
#[derive(InputObject)]
pub struct CreateContactInput {
    /// The customer's global id; the signed-in user must be allowed to edit it.
    pub customer_id: ID,
    /// The contact's fields; `name` is required.
    pub contact: ContactFields,
    /// Make this the primary contact (the first contact always is).
    #[graphql(default)]
    pub primary: bool,
    /// Idempotency key: a retry with the same key returns the first result.
    pub client_mutation_id: Option<String>,
}

/// A change to a contact of a customer the signed-in user may edit.
#[derive(InputObject)]
pub struct UpdateContactInput {
    /// The contact's global id.
    pub id: ID,
    /// The version the change was made against; a stale one is a `CONFLICT`.
    pub version: i32,
    /// The fields to change.
    pub contact: ContactFields,
}

/// The contact to delete or make primary.
#[derive(InputObject)]
pub struct ContactIdInput {
    /// The contact's global id.
    pub id: ID,
}

/// The contact a mutation created or changed.
#[derive(SimpleObject)]
pub struct ContactPayload {
    /// The contact after the change.
    pub contact: Contact,
    /// The idempotency key sent with `createContact`; null for other mutations.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Adds a contact to a customer the signed-in user may edit.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        input: CreateContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let customer = ids::decode("customerId", "Customer", &input.customer_id)?;
        let key = input.client_mutation_id.clone();
        let idempotency = crate::graphql::idempotency::key(ctx, key.as_deref())?;
        let c = contacts::create(
            state,
            actor,
            customer,
            input.contact.into(),
            input.primary,
            idempotency,
        )
        .await?;
        Ok(ContactPayload {
            contact: Contact(c),
            client_mutation_id: key,
        })
    }

    /// Changes a contact of a customer the signed-in user may edit.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        input: UpdateContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "Contact", &input.id)?;
        let c = contacts::update(state, actor, id, input.version, input.contact.into()).await?;
        Ok(ContactPayload {
            contact: Contact(c),
            client_mutation_id: None,
        })
    }

    /// Deletes a contact; if it was primary, the oldest remaining contact becomes primary.
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        input: ContactIdInput,
    ) -> async_graphql::Result<ContactPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "Contact", &input.id)?;
        let c = contacts::delete(state, actor, id).await?;
        Ok(ContactPayload {
            contact: Contact(c),
            client_mutation_id: None,
        })
    }

    /// Makes a contact its customer's primary contact.
    async fn set_primary_contact(
        &self,
        ctx: &Context<'_>,
        input: ContactIdInput,
    ) -> async_graphql::Result<ContactPayload> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let id = ids::decode("id", "Contact", &input.id)?;
        let c = contacts::set_primary(state, actor, id).await?;
        Ok(ContactPayload {
            contact: Contact(c),
            client_mutation_id: None,
        })
    }
}
