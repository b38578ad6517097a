"""Value types and rules with no I/O: ids, time, phones, e-mail, money, names, stages."""
