# Threat-intel lists: Tor exit-addresses, torbulkexitlist, plain IP/CIDR lists.
list(APPEND GUMSHOE_INGEST_SOURCES src/threat_intel/threat_intel.cc)
