//! Metrics of the GraphQL edge: execution time per operation name and the
//! number of running subscriptions (see [`crate::metrics`]).

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextSubscribe};
use async_graphql::Response;
use futures_util::stream::{BoxStream, StreamExt};

use crate::metrics::{Histogram, Metrics};

/// Installs [`Observe`] on a schema.
pub struct ObserveExtension(pub Arc<Metrics>);

impl ExtensionFactory for ObserveExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Observe { metrics: self.0.clone(), histogram: OnceLock::new() })
    }
}

/// Times operations and counts subscriptions.
struct Observe {
    metrics: Arc<Metrics>,
    /// This request's histogram, looked up once: a subscription executes once
    /// per event, always under the same operation name.
    histogram: OnceLock<Arc<Histogram>>,
}

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
        self.histogram.get_or_init(|| self.metrics.operation(operation_name)).observe(started.elapsed());
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
        let running = self.metrics.subscription_started();
        next.run(ctx, stream)
            .map(move |r| {
                let _ = &running;
                r
            })
            .boxed()
    }
}
