DROP TABLE userdesk_job_leases;
