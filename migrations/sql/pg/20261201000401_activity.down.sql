DROP TABLE userdesk_devices;
--bun:split
DROP TABLE userdesk_events;
--bun:split
DROP TABLE userdesk_reservations;
