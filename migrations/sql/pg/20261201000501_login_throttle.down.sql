DROP TABLE userdesk_login_throttle;
