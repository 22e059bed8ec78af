DROP INDEX users_username_search;
DROP TABLE blocks;
DROP TABLE contacts;
DROP INDEX conversations_direct_key;
ALTER TABLE conversations DROP COLUMN direct_key;
