//! One handle on Redis whether `REDIS_URL` names a single server or a Redis
//! Cluster (a comma-separated list of seed nodes). Commands and pipelines go
//! through it unchanged; a cluster routes each by its key's slot, so callers
//! keep a pipeline to one key (see [`SharedRedis::is_cluster`]).

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};

/// The seed nodes of a `REDIS_URL`: more than one names a cluster.
pub fn seeds(url: &str) -> Vec<&str> {
    url.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// A shared, self-reconnecting Redis connection.
#[derive(Clone)]
pub enum SharedRedis {
    /// One server.
    Single(ConnectionManager),
    /// A Redis Cluster.
    Cluster(ClusterConnection),
}

impl SharedRedis {
    /// Whether this is a cluster: a pipeline must then stay within one slot.
    pub fn is_cluster(&self) -> bool {
        matches!(self, SharedRedis::Cluster(_))
    }
}

impl ConnectionLike for SharedRedis {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            SharedRedis::Single(c) => c.req_packed_command(cmd),
            SharedRedis::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            SharedRedis::Single(c) => c.req_packed_commands(cmd, offset, count),
            SharedRedis::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            SharedRedis::Single(c) => c.get_db(),
            SharedRedis::Cluster(c) => c.get_db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::seeds;

    #[test]
    fn a_list_of_urls_names_a_cluster() {
        assert_eq!(seeds("redis://a:1"), vec!["redis://a:1"]);
        assert_eq!(seeds("redis://a:1, redis://b:2,"), vec!["redis://a:1", "redis://b:2"]);
    }
}
