"""Work items (jobs): a field-service job with resources and a status; a job that
reaches Ready gets an online meeting through the scheduling seam."""
