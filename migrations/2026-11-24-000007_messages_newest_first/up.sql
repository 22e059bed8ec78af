-- Search results are newest first across all of the viewer's conversations. Without an
-- index in that order a common word means fetching every match (a quarter of the table)
-- and sorting it for 20 rows; with it the planner can walk messages newest first and stop
-- at the first page, and still picks the GIN indexes for rare words.
CREATE INDEX messages_newest_idx ON messages (tx, id);
