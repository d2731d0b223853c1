"""Identity and customer data: accounts, users, memberships, devices and their assignment (SPEC F-01 to F-04)."""
