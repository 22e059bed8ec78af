//! Metrics of the GraphQL edge: execution time per operation name and the
//! number of running subscriptions (see [`crate::metrics`]).

use std::sync::Arc;
use std::time::Instant;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextSubscribe};
use async_graphql::Response;
use futures_util::stream::{BoxStream, StreamExt};

use crate::metrics::Metrics;

/// Installs [`Observe`] on a schema.
pub struct ObserveExtension(pub Arc<Metrics>);

impl ExtensionFactory for ObserveExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Observe(self.0.clone()))
    }
}

/// Times operations and counts subscriptions.
struct Observe(Arc<Metrics>);

#[async_graphql::async_trait::async_trait]
impl Extension for Observe {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let started = Instant::now();
        let response = next.run(ctx, operation_name).await;
        self.0.operation(operation_name).observe(started.elapsed());
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        // The guard lives in the stream: the gauge drops when the client
        // completes, the connection closes or the stream ends.
        let running = self.0.subscription_started();
        next.run(ctx, stream)
            .map(move |r| {
                let _ = &running;
                r
            })
            .boxed()
    }
}
