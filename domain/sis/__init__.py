"""SIS/ERP: students, attendance, timetables, invoices and payments."""
