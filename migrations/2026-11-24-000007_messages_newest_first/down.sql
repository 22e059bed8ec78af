DROP INDEX messages_newest_idx;
