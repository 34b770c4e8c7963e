"""What the tests share: builders of frames and days, workbook read-back, shared checks."""
