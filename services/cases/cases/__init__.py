"""Cases: incidents and every other request a customer tracks with the vendor (SPEC F-10 to F-16)."""
