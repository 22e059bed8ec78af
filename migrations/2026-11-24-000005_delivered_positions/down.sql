DROP TABLE delivered_positions;
