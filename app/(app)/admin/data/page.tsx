import { DataAdmin } from "@/components/DataAdmin";
import { maxImportZipBytes } from "@/server/services/uploadImportZip";

export default function DataPage() {
  // The upload limit (BOIG_MAX_IMPORT_MB) is read at request time, so the form can check a file's size first.
  return <DataAdmin maxUploadBytes={maxImportZipBytes()} />;
}
