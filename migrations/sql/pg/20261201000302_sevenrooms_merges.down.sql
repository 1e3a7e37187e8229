DROP TABLE userdesk_sevenrooms_webhook_deliveries;
--bun:split
DROP TABLE userdesk_sevenrooms_merges;
